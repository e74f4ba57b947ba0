import type { ErrorPagesPolicy, Problem } from '../../ir/index.ts';
import { GO_FALSE as FALSE, GO_TRUE as TRUE } from '../go-bool.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import type { PolicyReader } from './route-policies.ts';

const CUSTOM_HTTP_ERRORS = `${INGRESS_NGINX_PREFIX}/custom-http-errors`;
const DEFAULT_BACKEND = `${INGRESS_NGINX_PREFIX}/default-backend`;
const DISABLE_INTERCEPT = `${INGRESS_NGINX_PREFIX}/disable-proxy-intercept-errors`;

/** The annotations that serve error answers from another Service. */
export const ERROR_PAGES_ANNOTATIONS = [
  CUSTOM_HTTP_ERRORS,
  DEFAULT_BACKEND,
  DISABLE_INTERCEPT,
] as const;

// Longer lists than every 4xx and 5xx status, written out, are not a list of statuses.
const MAX_LIST_LENGTH = 1024;
// A Service name is an RFC 1035 label (ingress-nginx's ValidateServiceName).
const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const STATUS = /^[45]\d\d$/;

/**
 * Parses a `custom-http-errors` list: statuses 400-599 separated by commas (blanks around them
 * and empty items are allowed), as ingress-nginx accepts it. Returns them sorted without
 * repeats, or why the list is refused (then none of it applies).
 */
export function parseHttpErrorCodes(text: string): readonly number[] | string {
  if (text.length > MAX_LIST_LENGTH) {
    return `the list is longer than ${String(MAX_LIST_LENGTH)} characters`;
  }
  const codes = new Set<number>();
  for (const item of text.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    if (!STATUS.test(trimmed)) {
      return `${JSON.stringify(trimmed.slice(0, 20))} is not a status from 400 to 599`;
    }
    codes.add(Number(trimmed));
  }
  return [...codes].sort((a, b) => a - b);
}

/**
 * Reads custom-http-errors (the statuses served from the error backend), default-backend (a
 * Service in the Ingress's namespace that serves them and stands in when the route's backend
 * has no ready endpoint) and disable-proxy-intercept-errors. The Service is only named here:
 * the route builder resolves it (and reports it when it is missing), and fills in the global
 * `--default-backend-service` and `--custom-http-errors`. A value pointsman does not accept is
 * ignored with an `IgnoredAnnotation` problem: none of this is access control, so the routes
 * are served without it.
 */
export const readErrorPages: PolicyReader = (annotations) => {
  const problems: Problem[] = [];
  let codes: readonly number[] | undefined;
  const codesText = annotations[CUSTOM_HTTP_ERRORS];
  if (codesText !== undefined) {
    const parsed = parseHttpErrorCodes(codesText);
    if (typeof parsed === 'string') {
      problems.push(ignored(CUSTOM_HTTP_ERRORS, codesText, parsed));
    } else if (parsed.length > 0) {
      codes = parsed;
    }
  }
  let service: string | undefined;
  const serviceText = annotations[DEFAULT_BACKEND];
  if (serviceText !== undefined) {
    const name = serviceText.trim();
    if (SERVICE_NAME.test(name)) {
      service = name;
    } else {
      const why = 'the value is not a Service name (in the Ingress namespace)';
      problems.push(ignored(DEFAULT_BACKEND, serviceText, why));
    }
  }
  let relayUpstream = false;
  const disableText = annotations[DISABLE_INTERCEPT];
  if (disableText !== undefined) {
    const value = disableText.trim();
    if (TRUE.has(value)) relayUpstream = true;
    else if (!FALSE.has(value)) {
      problems.push(ignored(DISABLE_INTERCEPT, disableText, 'the value is not a boolean'));
    }
  }
  if (codes === undefined && service === undefined && !relayUpstream) {
    return { policies: {}, problems };
  }
  const errorPages: ErrorPagesPolicy = {
    ...(service === undefined ? {} : { service, standIn: true as const }),
    // Empty: the Ingress names no list of its own, and the route builder gives it the global one.
    codes: codes ?? [],
    ...(relayUpstream ? { relayUpstream: true as const } : {}),
  };
  return { policies: { errorPages }, problems };
};

function ignored(annotation: string, value: string, why: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${annotation}]`,
    message: `${annotation} is ignored: ${JSON.stringify(value.slice(0, 80))}: ${why}`,
  };
}
