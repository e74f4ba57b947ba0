import type { Problem } from '../../ir/index.ts';
import { GO_FALSE as FALSE, GO_TRUE as TRUE } from '../go-bool.ts';

/** Annotations that turn the redirect to HTTPS off (`"false"`) for an Ingress; ours first. */
export const SSL_REDIRECT_ANNOTATIONS = [
  'pointsman.dev/ssl-redirect',
  'nginx.ingress.kubernetes.io/ssl-redirect',
] as const;

/** Annotations that redirect to HTTPS (`"true"`) even for hosts without a certificate. */
export const FORCE_SSL_REDIRECT_ANNOTATIONS = [
  'pointsman.dev/force-ssl-redirect',
  'nginx.ingress.kubernetes.io/force-ssl-redirect',
] as const;

/** How an Ingress wants plain-HTTP requests for its hosts treated. */
export interface RedirectPolicy {
  /** Redirect hosts that have a usable certificate (default true). */
  readonly sslRedirect: boolean;
  /** Redirect every host of the Ingress, certificate or not (default false). */
  readonly force: boolean;
}

/** The policy of an Ingress and the problems with its annotations (values that were ignored). */
export interface RedirectPolicyRead {
  readonly policy: RedirectPolicy;
  readonly problems: readonly Problem[];
}

/**
 * Reads the redirect annotations of an Ingress. Our spelling wins over ingress-nginx's when both
 * are set. A value that is not a boolean is ignored with an `IgnoredAnnotation` problem, as
 * ingress-nginx ignores it with a warning; the rest of the Ingress is served.
 */
export function redirectPolicyOf(
  annotations: Readonly<Record<string, string>>,
): RedirectPolicyRead {
  const problems: Problem[] = [];
  const sslRedirect = readFlag(annotations, SSL_REDIRECT_ANNOTATIONS, true, problems);
  const force = readFlag(annotations, FORCE_SSL_REDIRECT_ANNOTATIONS, false, problems);
  return { policy: { sslRedirect, force }, problems };
}

function readFlag(
  annotations: Readonly<Record<string, string>>,
  keys: readonly string[],
  fallback: boolean,
  problems: Problem[],
): boolean {
  for (const key of keys) {
    if (!Object.hasOwn(annotations, key)) continue;
    const value = annotations[key] ?? '';
    if (TRUE.has(value)) return true;
    if (FALSE.has(value)) return false;
    problems.push({
      code: 'IgnoredAnnotation',
      field: `metadata.annotations[${key}]`,
      message: `${JSON.stringify(value.slice(0, 40))} is not "true" or "false"; the annotation is ignored`,
    });
  }
  return fallback;
}
