import type { ServerResponse } from 'node:http';
import type { ProxyContext } from './context.ts';
import type { RequestTarget } from '../../ir/index.ts';

// HTTP-01 challenges must be answered over plain HTTP (RFC 8555 section 8.3).
const ACME_CHALLENGE = '/.well-known/acme-challenge/';

/**
 * On the plain-HTTP listener, answers a request whose route asks for HTTPS (`sslRedirect`)
 * with a 308 to the same host, path and query on https, and returns true. 308 keeps the
 * method and body, unlike 301. ACME HTTP-01 challenges are never redirected.
 */
export function redirectToHttps(
  context: ProxyContext,
  target: RequestTarget,
  res: ServerResponse,
): boolean {
  const table = context.tables.current;
  if (context.settings.proto !== 'http' || table === null || !table.sslRedirects) return false;
  if (target.host === '' || target.path.startsWith(ACME_CHALLENGE)) return false;
  const route = table.match(target.host, target.path).route;
  if (route === null || !route.sslRedirect) return false;
  const port = context.settings.httpsRedirect.port;
  const authority = port === 443 ? target.host : `${target.host}:${String(port)}`;
  const headers = ['location', `https://${authority}${target.forwardPath}`, 'content-length', '0'];
  headers.push('server', 'pointsman');
  if (context.closing) headers.push('connection', 'close');
  res.writeHead(308, headers);
  res.end();
  return true;
}
