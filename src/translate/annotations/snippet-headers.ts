import { ADD_HEADER_STATUSES, type HeaderOperation } from '../../ir/index.ts';
import { headerName, headerValue } from './header-values.ts';
import type { SnippetDirective } from './snippet-parser.ts';
import type { SnippetOutput } from './snippet-output.ts';

/**
 * The header directives of a snippet, each turned into typed header operations: nginx's
 * add_header, proxy_set_header and proxy_hide_header, and headers-more's more_set_headers,
 * more_clear_headers, more_set_input_headers and more_clear_input_headers (with `-s`, `-t` and
 * `-r`). Each returns why the directive is not applied, or null when it is.
 */
export const HEADER_DIRECTIVES: Readonly<
  Record<string, (directive: SnippetDirective, out: SnippetOutput) => string | null>
> = {
  add_header: (directive, out) => {
    const [name = '', value, flag, ...rest] = directive.args;
    if (value === undefined || rest.length > 0 || (flag !== undefined && flag !== 'always')) {
      return 'takes a name, a value and optionally always';
    }
    const op = setOrAdd('add', name, value);
    if ('reason' in op) return op.reason;
    out.responseHeaders.push(flag === 'always' ? op : { ...op, statuses: ADD_HEADER_STATUSES });
    return null;
  },
  proxy_hide_header: (directive, out) => {
    const [name = '', ...rest] = directive.args;
    if (rest.length > 0) return 'takes one header name';
    const checked = headerName(name);
    if ('reason' in checked) return checked.reason;
    out.hides.push({ action: 'remove', name: checked.name });
    return null;
  },
  more_set_headers: (directive, out) => moreSet(directive, out.responseHeaders, '-s -t'),
  more_clear_headers: (directive, out) => moreClear(directive, out.responseHeaders, '-s -t'),
  more_set_input_headers: (directive, out) => moreSet(directive, out.requestHeaders, '-r -t'),
  more_clear_input_headers: (directive, out) => moreClear(directive, out.requestHeaders, '-t'),
  proxy_set_header: (directive, out) => {
    const [name = '', value, ...rest] = directive.args;
    if (value === undefined || rest.length > 0) return 'takes a name and a value';
    const op = setOrAdd('set', name, value);
    if ('reason' in op) return op.reason;
    if (op.name === 'host') {
      if (op.action === 'remove') return 'the Host header cannot be removed';
      out.upstreamHost = op.value;
      return null;
    }
    const own = proxyOwnHeader(op.name);
    if (own !== null) return own;
    out.requestHeaders.push(op);
    return null;
  },
};

// Set by pointsman from the client connection and --trusted-proxies: letting an Ingress set
// them from a variable (`$http_x_client_ip`) would let any client choose what backends trust.
const PROXY_OWN = new Set([
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-real-ip',
  'x-request-id',
]);

function proxyOwnHeader(name: string): string | null {
  return PROXY_OWN.has(name)
    ? `${name} is set by pointsman from the connection and --trusted-proxies`
    : null;
}

/** A set or add of a checked name and value; an empty literal value removes the header. */
function setOrAdd(
  action: 'set' | 'add',
  name: string,
  value: string,
): HeaderOperation | { readonly reason: string } {
  const checked = headerName(name);
  if ('reason' in checked) return checked;
  if (value === '') return { action: 'remove', name: checked.name };
  const parsed = headerValue(value);
  if ('reason' in parsed) return parsed;
  return { action, name: checked.name, value: parsed.parts };
}

interface MoreOptions {
  statuses?: readonly number[];
  types?: readonly string[];
  onlyIfPresent?: true;
  readonly specs: string[];
}

const STATUS = /^[1-5][0-9][0-9]$/;
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+*-]+$/;

/** headers-more's options (`-s 'codes'`, `-t 'types'`, `-r`) and the header specs after. */
function moreOptions(args: readonly string[], allowed: string): MoreOptions | string {
  const options: MoreOptions = { specs: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-') || arg.length !== 2) {
      options.specs.push(arg);
      continue;
    }
    if (!allowed.split(' ').includes(arg)) return `the option ${arg} is not supported here`;
    if (arg === '-r') {
      options.onlyIfPresent = true;
      continue;
    }
    const words = (args[++i] ?? '').split(/\s+/).filter((word) => word !== '');
    if (words.length === 0) return `the option ${arg} needs a value`;
    if (arg === '-s') {
      if (!words.every((word) => STATUS.test(word))) return '-s takes status codes';
      options.statuses = [...(options.statuses ?? []), ...words.map(Number)];
    } else {
      const types = words.map((word) => word.toLowerCase());
      if (!types.every((type) => MEDIA_TYPE.test(type))) return '-t takes media types';
      options.types = [...(options.types ?? []), ...types];
    }
  }
  return options.specs.length === 0 ? 'names no header' : options;
}

function withOptions(op: HeaderOperation, options: MoreOptions): HeaderOperation {
  return {
    ...op,
    ...(options.statuses === undefined ? {} : { statuses: options.statuses }),
    ...(options.types === undefined ? {} : { types: options.types }),
  };
}

/** `more_set_headers "Name: value"...`: replaces; `"Name:"` or `"Name"` alone clears. */
function moreSet(directive: SnippetDirective, ops: HeaderOperation[], allowed: string) {
  const options = moreOptions(directive.args, allowed);
  if (typeof options === 'string') return options;
  const read: HeaderOperation[] = [];
  for (const spec of options.specs) {
    const colon = spec.indexOf(':');
    const name = (colon < 0 ? spec : spec.slice(0, colon)).trim();
    const value = colon < 0 ? '' : spec.slice(colon + 1).trim();
    const op = setOrAdd('set', name, value);
    if ('reason' in op) return op.reason;
    const own = proxyOwnHeader(op.name);
    if (own !== null && allowed.includes('-r')) return own;
    const present = options.onlyIfPresent === true && op.action === 'set';
    read.push(withOptions(present ? { ...op, onlyIfPresent: true } : op, options));
  }
  ops.push(...read);
  return null;
}

/** `more_clear_headers Name 'X-Hidden-*'...`: removes, a trailing `*` by prefix. */
function moreClear(directive: SnippetDirective, ops: HeaderOperation[], allowed: string) {
  const options = moreOptions(directive.args, allowed);
  if (typeof options === 'string') return options;
  const read: HeaderOperation[] = [];
  for (const spec of options.specs) {
    const prefix = spec.endsWith('*');
    const checked = headerName(prefix ? spec.slice(0, -1) : spec);
    if ('reason' in checked) return checked.reason;
    if (!prefix && allowed === '-t' && proxyOwnHeader(checked.name) !== null) {
      return proxyOwnHeader(checked.name);
    }
    const op: HeaderOperation = prefix
      ? { action: 'remove', name: checked.name, prefix: true }
      : { action: 'remove', name: checked.name };
    read.push(withOptions(op, options));
  }
  ops.push(...read);
  return null;
}
