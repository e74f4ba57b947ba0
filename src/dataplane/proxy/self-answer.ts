import type { ServerResponse } from 'node:http';
import { answerFixed, rawFixedAnswer } from './fixed-answer.ts';
import { answerRedirect, rawRedirectResponse } from './redirect-answer.ts';
import type { RequestFacts } from '../variables/index.ts';
import { responseEditOf } from './response-policy.ts';
import type { Routed } from './route-request.ts';

/** A routing decision the proxy answers itself: a redirect or a fixed answer. */
export type SelfAnswer = Exclude<Routed, { readonly kind: 'proxy' }>;

/**
 * Answers a redirect or a fixed answer with the response header operations that apply to it.
 * Location and Set-Cookie rewrites (proxy-redirect-*, proxy-cookie-*) are left out: they are
 * about what an upstream sent.
 */
export function answerItself(
  res: ServerResponse,
  routed: SelfAnswer,
  facts: RequestFacts,
  options: { readonly head: boolean; readonly close: boolean },
): void {
  const edit = responseEditOf(null, () => facts, routed.responseHeaders);
  if (routed.kind === 'redirect') answerRedirect(res, routed.redirect, facts, options.close, edit);
  else answerFixed(res, routed.answer, { facts, edit, ...options });
}

/** The same answer as raw HTTP/1.1 for an Upgrade request, whose connection is then closed. */
export function rawSelfAnswer(routed: SelfAnswer, facts: RequestFacts): string | Buffer {
  if (routed.kind === 'redirect') return rawRedirectResponse(routed.redirect, facts);
  return rawFixedAnswer(
    routed.answer,
    facts,
    responseEditOf(null, () => facts, routed.responseHeaders),
  );
}
