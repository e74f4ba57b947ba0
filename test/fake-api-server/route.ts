import { findByResource, type ResourceType } from './resources.ts';

/** What a request path points at. */
export type Route =
  | { readonly kind: 'version' | 'health' | 'api' | 'apis' | 'openapi-v2' | 'openapi-v3' }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'group-version'; readonly group: string; readonly version: string }
  | { readonly kind: 'openapi-v3-doc'; readonly group: string; readonly version: string }
  | {
      readonly kind: 'resource';
      readonly type: ResourceType;
      readonly namespace?: string | undefined;
      readonly name?: string | undefined;
      readonly subresource?: string | undefined;
      /** The deprecated `/watch/` path prefix was used. */
      readonly watchPrefix: boolean;
    }
  | { readonly kind: 'unknown' };

const FIXED: Readonly<Record<string, Route>> = {
  '/version': { kind: 'version' },
  '/healthz': { kind: 'health' },
  '/livez': { kind: 'health' },
  '/readyz': { kind: 'health' },
  '/api': { kind: 'api' },
  '/apis': { kind: 'apis' },
  '/openapi/v2': { kind: 'openapi-v2' },
  '/openapi/v3': { kind: 'openapi-v3' },
};

const UNKNOWN: Route = { kind: 'unknown' };

function decodeSegments(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter((segment) => segment !== '')
      .map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

function resourceRoute(group: string, version: string, rest: readonly string[]): Route {
  const watchPrefix = rest[0] === 'watch';
  const parts = watchPrefix ? rest.slice(1) : rest;
  // `namespaces/x/<resource>` is a namespaced path unless `<resource>` is a namespace subresource.
  const scoped =
    parts[0] === 'namespaces' &&
    parts.length >= 3 &&
    !(group === '' && ['status', 'finalize'].includes(parts[2] ?? ''));
  const namespace = scoped ? parts[1] : undefined;
  const [resource, name, subresource, extra] = scoped ? parts.slice(2) : parts;
  if (resource === undefined || extra !== undefined) return UNKNOWN;
  const type = findByResource(group, version, resource);
  if (!type || (scoped && !type.namespaced)) return UNKNOWN;
  if (!scoped && type.namespaced && name !== undefined) return UNKNOWN;
  if (subresource !== undefined && !(subresource === 'status' && type.statusSubresource))
    return UNKNOWN;
  return { kind: 'resource', type, namespace, name, subresource, watchPrefix };
}

function openApiRoute(parts: readonly string[]): Route {
  const [prefix, a, b] = parts;
  if (prefix === 'api' && a !== undefined && parts.length === 2) {
    return { kind: 'openapi-v3-doc', group: '', version: a };
  }
  if (prefix === 'apis' && a !== undefined && b !== undefined && parts.length === 3) {
    return { kind: 'openapi-v3-doc', group: a, version: b };
  }
  return UNKNOWN;
}

/** Parses a request path (without the query) into a route. */
export function parseRoute(path: string): Route {
  const fixed = FIXED[path.replace(/\/+$/, '') || '/'];
  if (fixed) return fixed;
  const segments = decodeSegments(path);
  if (!segments) return UNKNOWN;
  const [root, first, second, ...rest] = segments;
  if (root === 'openapi' && first === 'v3') return openApiRoute(segments.slice(2));
  if (root === 'api' && first !== undefined) {
    if (second === undefined) return { kind: 'group-version', group: '', version: first };
    return resourceRoute('', first, [second, ...rest]);
  }
  if (root === 'apis' && first !== undefined) {
    if (second === undefined) return { kind: 'group', group: first };
    if (rest.length === 0) return { kind: 'group-version', group: first, version: second };
    return resourceRoute(first, second, rest);
  }
  return UNKNOWN;
}
