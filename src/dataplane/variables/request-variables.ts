import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import {
  FIXED_TEMPLATE_VARIABLES,
  type FixedTemplateVariable,
  type RequestTarget,
  type TemplatePart,
} from '../../ir/index.ts';

/** What the nginx variables of a template are filled in from, for one request. */
export interface RequestFacts {
  /** The listener's scheme, `http` or `https`. */
  readonly scheme: string;
  /** The normalised routing host (lower case, no port). */
  readonly host: string;
  /** The Host header (or `:authority`) as the client sent it. */
  readonly hostHeader: string | undefined;
  /** The request target as the client sent it. */
  readonly url: string;
  /** The normalised path that routing matched. */
  readonly path: string;
  /** The origin-form path and query sent upstream. */
  readonly forwardPath: string;
  /** The listener's local port. */
  readonly serverPort: string;
  readonly method: string;
  /** The client's address. */
  readonly client: string;
  /** The request headers, `[name, value, ...]`. */
  readonly rawHeaders: readonly string[];
}

/** The facts of one request, gathered only when a route's policy has a template to fill in. */
export function requestFacts(
  req: IncomingMessage,
  target: RequestTarget,
  scheme: string,
  client: string,
): RequestFacts {
  return {
    scheme,
    host: target.host,
    hostHeader: target.hostHeader,
    url: req.url ?? '',
    path: target.path,
    forwardPath: target.forwardPath,
    serverPort: String(req.socket.localPort ?? ''),
    method: req.method ?? 'GET',
    client,
    rawHeaders: req.rawHeaders,
  };
}

const FIXED: ReadonlySet<string> = new Set(FIXED_TEMPLATE_VARIABLES);

// Anything outside visible ASCII, taken from a request, is percent-encoded before it is put in
// a header: CR, LF and NUL could otherwise split the response, and spaces and non-ASCII are not
// URL characters.
const UNSAFE = /[^\x21-\x7e]/;

/**
 * Fills in a template for one request: literal parts as the translator checked them, variables
 * from the request, each value percent-encoded where it is not visible ASCII, so that nothing a
 * client sends can end a header line or start another.
 */
export function expandTemplate(parts: readonly TemplatePart[], facts: RequestFacts): string {
  let out = '';
  for (const part of parts) {
    out += 'text' in part ? part.text : headerSafe(variableValue(part.variable, facts));
  }
  return out;
}

function variableValue(name: string, facts: RequestFacts): string {
  // `http_host` is a fixed variable first: over HTTP/2 it comes from `:authority`.
  if (FIXED.has(name)) return fixedValue(name as FixedTemplateVariable, facts);
  if (name.startsWith('http_')) return headerValue(facts.rawHeaders, name.slice(5));
  if (name.startsWith('cookie_')) return cookieValue(facts.rawHeaders, name.slice(7));
  return argument(queryOf(requestUri(facts)), name.slice(4));
}

function fixedValue(name: FixedTemplateVariable, facts: RequestFacts): string {
  switch (name) {
    case 'scheme':
    case 'pass_access_scheme':
      return facts.scheme;
    case 'host':
      return facts.host;
    case 'http_host':
      return facts.hostHeader ?? '';
    case 'request_uri':
      return requestUri(facts);
    case 'escaped_request_uri':
      return escapeUri(requestUri(facts));
    case 'uri':
      return facts.path;
    case 'args':
    case 'query_string':
      return queryOf(requestUri(facts));
    case 'is_args':
      return queryOf(requestUri(facts)) === '' ? '' : '?';
    case 'server_port':
      return facts.serverPort;
    case 'request_method':
      return facts.method;
    case 'remote_addr':
      return facts.client;
    case 'binary_remote_addr':
      return binaryAddress(facts.client);
  }
}

/** nginx's `$request_uri`: the target as sent, in origin form for an absolute-form target. */
function requestUri(facts: RequestFacts): string {
  return facts.url.startsWith('/') ? facts.url : facts.forwardPath;
}

/**
 * set-misc's `set_escape_uri`, as ingress-nginx fills `$escaped_request_uri`: every byte but
 * letters, digits and `-._~` percent-encoded, so the URI fits in one query parameter.
 */
function escapeUri(uri: string): string {
  let out = '';
  for (const byte of Buffer.from(uri, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : percent(byte);
  }
  return out;
}

function queryOf(uri: string): string {
  const mark = uri.indexOf('?');
  return mark < 0 ? '' : uri.slice(mark + 1);
}

/** `$http_x_name`: every X-Name header, joined, with `_` standing for `-` as in nginx. */
function headerValue(raw: readonly string[], name: string): string {
  const wanted = name.replaceAll('_', '-');
  let value: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== wanted) continue;
    const next = raw[i + 1] as string;
    value = value === undefined ? next : `${value}, ${next}`;
  }
  return value ?? '';
}

/** `$cookie_name`: the first cookie of that name (compared without regard to case), as sent. */
function cookieValue(raw: readonly string[], name: string): string {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== 'cookie') continue;
    for (const pair of (raw[i + 1] as string).split(';')) {
      const equals = pair.indexOf('=');
      if (equals < 0 || pair.slice(0, equals).trim().toLowerCase() !== name) continue;
      return pair.slice(equals + 1).trim();
    }
  }
  return '';
}

/**
 * `$binary_remote_addr`: the client address as 4 (IPv4) or 16 (IPv6) bytes, one character
 * each; a header gets them percent-encoded. An address that is neither is taken as it is.
 */
function binaryAddress(address: string): string {
  if (isIPv4(address)) return String.fromCharCode(...address.split('.').map(Number));
  if (!isIPv6(address)) return address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const hex = (high: string, low: string): string =>
    ((Number(high) << 8) | Number(low)).toString(16);
  const plain =
    dotted === null
      ? address
      : `${address.slice(0, dotted.index)}${hex(dotted[1] ?? '', dotted[2] ?? '')}:${hex(dotted[3] ?? '', dotted[4] ?? '')}`;
  const [head = '', tail] = plain.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const words = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return words
    .map((word) => {
      const value = parseInt(word, 16);
      return String.fromCharCode(value >> 8, value & 0xff);
    })
    .join('');
}

/** `$arg_name`: the first argument of that name (compared without regard to case), as sent. */
function argument(query: string, name: string): string {
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    const key = equals < 0 ? pair : pair.slice(0, equals);
    if (key.toLowerCase() === name) return equals < 0 ? '' : pair.slice(equals + 1);
  }
  return '';
}

function headerSafe(value: string): string {
  if (!UNSAFE.test(value)) return value;
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code > 0x20 && code < 0x7f) out += char;
    else if (code < 0x100) out += percent(code);
    else for (const byte of Buffer.from(char, 'utf8')) out += percent(byte);
  }
  return out;
}

function percent(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}
