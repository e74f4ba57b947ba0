import type { Problem, RoutePolicies, TemplatePart } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import { hasVariables, parseNginxVariables } from './nginx-variables.ts';
import type { PolicyReader } from './route-policies.ts';

const UPSTREAM_VHOST = `${INGRESS_NGINX_PREFIX}/upstream-vhost`;
const X_FORWARDED_PREFIX = `${INGRESS_NGINX_PREFIX}/x-forwarded-prefix`;
const REWRITE_TARGET = `${INGRESS_NGINX_PREFIX}/rewrite-target`;

/** The annotations that change the headers of the request sent upstream. */
export const UPSTREAM_REQUEST_ANNOTATIONS = [UPSTREAM_VHOST, X_FORWARDED_PREFIX] as const;

// Literal text of a Host: name, IPv4 or bracketed IPv6 characters and a port.
const HOST_TEXT = /^[A-Za-z0-9.\-_~:[\]]*$/;
const HOST_AND_PORT = /^([A-Za-z0-9_~-]+(\.[A-Za-z0-9_~-]+)*\.?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$/;
// A header value: visible ASCII, with spaces and tabs inside.
const HEADER_VALUE = /^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$/;
const MAX_LENGTH = 1024;

/**
 * Reads upstream-vhost (the Host sent upstream; it may name nginx variables, as ingress-nginx
 * allows) and x-forwarded-prefix (the X-Forwarded-Prefix header sent upstream). ingress-nginx
 * sets X-Forwarded-Prefix only on locations that rewrite, so without rewrite-target it has no
 * effect here either, and says so. Values are trimmed; a value pointsman does not accept is
 * ignored with an `IgnoredAnnotation` problem.
 */
export const readUpstreamRequest: PolicyReader = (annotations) => {
  const problems: Problem[] = [];
  const policies: { -readonly [K in keyof RoutePolicies]: RoutePolicies[K] } = {};
  const vhost = (annotations[UPSTREAM_VHOST] ?? '').trim();
  if (vhost !== '') {
    const host = parseUpstreamHost(vhost);
    if (typeof host === 'string') problems.push(ignored(UPSTREAM_VHOST, vhost, host));
    else policies.upstreamHost = host;
  }
  const prefix = (annotations[X_FORWARDED_PREFIX] ?? '').trim();
  if (prefix !== '') {
    const why = prefixProblem(prefix, (annotations[REWRITE_TARGET] ?? '') !== '');
    if (why === null) policies.forwardedPrefix = prefix;
    else problems.push(ignored(X_FORWARDED_PREFIX, prefix, why));
  }
  return { policies, problems };
};

function parseUpstreamHost(value: string): readonly TemplatePart[] | string {
  if (value.length > MAX_LENGTH) return `the value is longer than ${String(MAX_LENGTH)} characters`;
  const parsed = parseNginxVariables(value);
  if (!parsed.ok) return parsed.reason;
  if (!hasVariables(parsed.parts)) {
    return HOST_AND_PORT.test(value) ? parsed.parts : 'the value is not a host or host:port';
  }
  for (const part of parsed.parts) {
    if ('text' in part && !HOST_TEXT.test(part.text)) {
      return 'the value may hold only host name characters, : and a port besides variables';
    }
  }
  return parsed.parts;
}

function prefixProblem(value: string, rewrites: boolean): string | null {
  if (value.length > MAX_LENGTH) return `the value is longer than ${String(MAX_LENGTH)} characters`;
  if (!HEADER_VALUE.test(value)) {
    return 'the value is not a header value (visible ASCII characters and inner spaces only)';
  }
  if (value.includes('$'))
    return 'the value names a regex capture or variable, which is not supported';
  if (!rewrites) {
    return `it has no effect without ${REWRITE_TARGET}: ingress-nginx sends X-Forwarded-Prefix only where the path is rewritten`;
  }
  return null;
}

function ignored(annotation: string, value: string, why: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${annotation}]`,
    message: `${annotation} is ignored: ${JSON.stringify(value.slice(0, 80))}: ${why}`,
  };
}
