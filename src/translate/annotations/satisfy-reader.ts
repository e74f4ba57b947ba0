import type { Problem } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import type { PolicyReader } from './route-policies.ts';

/** `satisfy`: whether a request must pass every access rule (`all`) or one of them (`any`). */
export const SATISFY_ANNOTATION = `${INGRESS_NGINX_PREFIX}/satisfy`;

/**
 * Reads satisfy. `any` lets a request through when its address passes the source ranges or it
 * passes the authentication (nginx's `satisfy any`); `all`, the default, needs both. Any other
 * value is ignored with a problem, as ingress-nginx ignores it: `all` then applies, which is
 * the stricter reading, so the Ingress is still served.
 */
export const readSatisfy: PolicyReader = (annotations) => {
  const raw = annotations[SATISFY_ANNOTATION];
  if (raw === undefined) return { policies: {}, problems: [] };
  const value = raw.trim();
  if (value === 'any') return { policies: { satisfyAny: true }, problems: [] };
  if (value === 'all') return { policies: {}, problems: [] };
  const problem: Problem = {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${SATISFY_ANNOTATION}]`,
    message: `${SATISFY_ANNOTATION} is ignored: ${JSON.stringify(value.slice(0, 80))} is neither "any" nor "all"; a request must pass every access rule`,
  };
  return { policies: {}, problems: [problem] };
};
