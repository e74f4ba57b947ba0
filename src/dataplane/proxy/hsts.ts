import type { IncomingMessage, ServerResponse } from 'node:http';

/** The parts of a Strict-Transport-Security header (RFC 6797 section 6.1). */
export interface HstsPolicy {
  /** Seconds browsers remember to use HTTPS only; 0 tells them to forget. */
  readonly maxAge: number;
  readonly includeSubDomains: boolean;
  /** Asks to be put on browsers' preload lists (hstspreload.org). */
  readonly preload: boolean;
}

/** The header value of a policy, such as `max-age=31536000; includeSubDomains`. */
export function hstsValue(policy: HstsPolicy): string {
  let value = `max-age=${String(policy.maxAge)}`;
  if (policy.includeSubDomains) value += '; includeSubDomains';
  if (policy.preload) value += '; preload';
  return value;
}

/**
 * Wraps a request listener so that every response carries Strict-Transport-Security. Set
 * before the answer is written: headers the answer itself names replace it, so an upstream
 * that sends its own policy keeps it. Only HTTPS listeners use this (RFC 6797 section 7.2:
 * the header means nothing over plain HTTP, and browsers ignore it there).
 */
export function withHsts(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  value: string,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    res.setHeader('strict-transport-security', value);
    handler(req, res);
  };
}
