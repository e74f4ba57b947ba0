import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from '../node-http.ts';
import type { RouteRedirect } from '../../ir/index.ts';
import { expandTemplate, type RequestFacts } from '../variables/index.ts';
import type { ResponseEdit } from './response-policy.ts';

/**
 * Answers a request on a route that redirects (permanent-redirect, temporal-redirect, app-root)
 * with its code and its Location filled in for this request, and no body. The route's backend
 * is never contacted.
 */
export function answerRedirect(
  res: ServerResponse,
  redirect: RouteRedirect,
  facts: RequestFacts,
  close: boolean,
  edit?: ResponseEdit,
): void {
  let headers: (string | string[])[] = ['location', expandTemplate(redirect.location, facts)];
  headers.push('server', 'pointsman');
  // A snippet's header operations apply to the redirect, as add_header does to nginx's return.
  if (edit !== undefined) headers = edit(redirect.code, headers);
  headers.push('content-length', '0');
  if (close) headers.push('connection', 'close');
  res.writeHead(redirect.code, headers);
  res.end();
}

/**
 * The same answer as raw HTTP/1.1 for an Upgrade request, whose connection is closed after it:
 * it never becomes a tunnel.
 */
export function rawRedirectResponse(redirect: RouteRedirect, facts: RequestFacts): string {
  const reason = STATUS_CODES[redirect.code] ?? 'Redirect';
  return (
    `HTTP/1.1 ${String(redirect.code)} ${reason}\r\n` +
    `location: ${expandTemplate(redirect.location, facts)}\r\n` +
    'content-length: 0\r\nserver: pointsman\r\nconnection: close\r\n\r\n'
  );
}
