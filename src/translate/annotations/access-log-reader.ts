import type { Problem } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import type { PolicyReader } from './route-policies.ts';
import { GO_FALSE as FALSE, GO_TRUE as TRUE } from '../go-bool.ts';

/** `enable-access-log`: `false` leaves the Ingress's requests out of the access log. */
export const ENABLE_ACCESS_LOG_ANNOTATION = `${INGRESS_NGINX_PREFIX}/enable-access-log`;

/**
 * Reads enable-access-log. Only `false` changes anything (`accessLog: false` on the routes);
 * a value that is not a boolean is ignored with an `IgnoredAnnotation` problem and the routes
 * are logged, as ingress-nginx does.
 */
export const readAccessLog: PolicyReader = (annotations) => {
  const value = (annotations[ENABLE_ACCESS_LOG_ANNOTATION] ?? '').trim();
  if (value === '' || TRUE.has(value)) return { policies: {}, problems: [] };
  if (FALSE.has(value)) return { policies: { accessLog: false }, problems: [] };
  const problem: Problem = {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${ENABLE_ACCESS_LOG_ANNOTATION}]`,
    message: `${ENABLE_ACCESS_LOG_ANNOTATION} is ignored: ${JSON.stringify(value.slice(0, 80))}: the value is not a boolean; requests are logged`,
  };
  return { policies: {}, problems: [problem] };
};
