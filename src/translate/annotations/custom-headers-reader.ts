import type { HeaderOperation, Problem } from '../../ir/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import { headerName, literalHeaderValue } from './header-values.ts';
import type { IngressAnnotations } from './ingress-annotations.ts';

/** `custom-headers: namespace/name`: a ConfigMap whose data are response headers to set. */
export const CUSTOM_HEADERS_ANNOTATION = `${INGRESS_NGINX_PREFIX}/custom-headers`;

// A ConfigMap name is a DNS subdomain (RFC 1123), as the API server checks it.
const CONFIG_MAP_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** What custom-headers gives the routes of one Ingress. */
export interface CustomHeadersRead {
  /** `set` operations, one per header of the ConfigMap that passed, by name in code-unit order. */
  readonly responseHeaders: readonly HeaderOperation[];
  readonly problems: readonly Problem[];
  /** The `namespace/name` of the ConfigMap read, when it was found. */
  readonly configMap?: string;
}

/** What {@link customHeadersOf} reads besides the annotations. */
export interface CustomHeadersContext {
  /** The Ingress's namespace: only a ConfigMap there is read. */
  readonly namespace: string;
  /** ConfigMaps by `namespace/name`. */
  readonly configMaps: ReadonlyMap<string, StoredObject>;
  /** `--allowed-response-headers`, in lower case: the only names a ConfigMap may set. */
  readonly allowed: ReadonlySet<string>;
}

/**
 * Reads custom-headers as ingress-nginx does (its `more_set_headers "Name: value"` per key, on
 * every status): each key of the ConfigMap's `data` replaces that response header, when the
 * name is a header token allowed by `--allowed-response-headers` (ingress-nginx's
 * `global-allowed-response-headers`, empty by default: nothing is allowed) and the value is
 * literal text without controls. Unlike ingress-nginx, which denies the whole location when one
 * key is wrong or the ConfigMap is missing, a bad key is left out with a problem, and a missing
 * ConfigMap leaves the routes served without the headers, with a problem naming it. Only a
 * ConfigMap of the Ingress's own namespace is read, as ingress-nginx documents: another
 * namespace's data could otherwise be published by any Ingress author.
 */
export function customHeadersOf(
  annotations: Readonly<Record<string, string>>,
  context: CustomHeadersContext,
): CustomHeadersRead {
  const value = (annotations[CUSTOM_HEADERS_ANNOTATION] ?? '').trim();
  if (value === '') return { responseHeaders: [], problems: [] };
  const slash = value.indexOf('/');
  const namespace = slash < 0 ? context.namespace : value.slice(0, slash);
  const name = slash < 0 ? value : value.slice(slash + 1);
  const quoted = JSON.stringify(value.slice(0, 120));
  if (!CONFIG_MAP_NAME.test(name) || name.length > 253 || namespace === '') {
    return ignored(`${quoted} is not a ConfigMap name (namespace/name)`);
  }
  if (namespace !== context.namespace) {
    return ignored(
      `${quoted}: only a ConfigMap in the Ingress's namespace ${context.namespace} is read`,
    );
  }
  const key = `${namespace}/${name}`;
  const configMap = context.configMaps.get(key);
  if (configMap === undefined) return ignored(`ConfigMap ${key} not found`);
  const data = configMap.object['data'];
  const entries =
    typeof data === 'object' && data !== null && !Array.isArray(data)
      ? Object.entries(data as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))
      : [];
  const responseHeaders: HeaderOperation[] = [];
  const problems: Problem[] = [];
  for (const [key, raw] of entries) {
    const checked = checkHeader(key, raw, context.allowed);
    if ('reason' in checked) {
      problems.push(
        problem(
          `${CUSTOM_HEADERS_ANNOTATION}: ConfigMap ${namespace}/${name} key ${JSON.stringify(key.slice(0, 60))} is not set: ${checked.reason}`,
        ),
      );
    } else responseHeaders.push(checked.operation);
  }
  return { responseHeaders, problems, configMap: key };
}

/**
 * The Ingress's annotations with the custom-headers operations after the route's own response
 * header operations (ingress-nginx writes them after the configuration-snippet, so they win).
 * `used` is told the ConfigMap read, if any.
 */
export function withCustomHeaders(
  annotations: IngressAnnotations,
  context: CustomHeadersContext & { readonly used?: Set<string> },
): IngressAnnotations {
  const read = customHeadersOf(annotations.audit.canonical, context);
  if (read.configMap !== undefined) context.used?.add(read.configMap);
  if (read.responseHeaders.length === 0 && read.problems.length === 0) return annotations;
  const route =
    read.responseHeaders.length === 0
      ? annotations.route
      : {
          ...annotations.route,
          responseHeaders: [...(annotations.route.responseHeaders ?? []), ...read.responseHeaders],
        };
  return { ...annotations, route, problems: [...annotations.problems, ...read.problems] };
}

function checkHeader(
  key: string,
  raw: unknown,
  allowed: ReadonlySet<string>,
): { readonly operation: HeaderOperation } | { readonly reason: string } {
  const name = headerName(key);
  if ('reason' in name) return name;
  if (!allowed.has(name.name)) {
    return { reason: `${name.name} is not in --allowed-response-headers` };
  }
  if (typeof raw !== 'string') return { reason: 'the value is not a string' };
  const value = literalHeaderValue(raw);
  if ('reason' in value) return value;
  return { operation: { action: 'set', name: name.name, value: value.parts } };
}

function problem(message: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${CUSTOM_HEADERS_ANNOTATION}]`,
    message,
  };
}

function ignored(reason: string): CustomHeadersRead {
  return {
    responseHeaders: [],
    problems: [problem(`${CUSTOM_HEADERS_ANNOTATION} is ignored: ${reason}; no headers are added`)],
  };
}
