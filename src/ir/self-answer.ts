import type { FixedAnswer, HeaderOperation } from './header-policies.ts';
import { patternRedirect } from './pattern-redirect.ts';
import type { PathRoute, RouteRedirect } from './route-table.ts';

/** What a route answers itself instead of proxying, with the response headers it adds. */
export type SelfAnswer =
  | {
      readonly kind: 'redirect';
      readonly redirect: RouteRedirect;
      readonly responseHeaders?: readonly HeaderOperation[];
    }
  | {
      readonly kind: 'answer';
      readonly answer: FixedAnswer;
      readonly responseHeaders?: readonly HeaderOperation[];
    };

/**
 * What a route answers itself for a path, or null when it proxies: a snippet's pattern
 * redirects (in order, nginx's rewrite phase), its exact-path answers, then the redirect
 * (app-root answers only a request for exactly `/`, nginx's `$uri = /`) and the fixed answer.
 * The proxy and `explain` both decide with it.
 */
export function selfAnswerOf(route: PathRoute, path: string): SelfAnswer | null {
  const policies = route.policies;
  if (policies === undefined) return null;
  const headers = policies.responseHeaders;
  const withHeaders = (ops = headers): { responseHeaders?: readonly HeaderOperation[] } =>
    ops === undefined ? {} : { responseHeaders: ops };
  for (const rule of policies.patternRedirects ?? []) {
    const redirect = patternRedirect(rule, path);
    if (redirect !== null) return { kind: 'redirect', redirect, ...withHeaders() };
  }
  const exact = policies.exactAnswers?.find((candidate) => candidate.path === path);
  if (exact !== undefined) {
    const ops = withHeaders(exact.responseHeaders ?? headers);
    return exact.answer.kind === 'fixed'
      ? { kind: 'answer', answer: exact.answer.fixed, ...ops }
      : { kind: 'redirect', redirect: { ...exact.answer, onlyRoot: false }, ...ops };
  }
  const redirect = policies.redirect;
  if (redirect !== undefined && (!redirect.onlyRoot || path === '/')) {
    return { kind: 'redirect', redirect, ...withHeaders() };
  }
  const answer = policies.answer;
  return answer === undefined ? null : { kind: 'answer', answer, ...withHeaders() };
}
