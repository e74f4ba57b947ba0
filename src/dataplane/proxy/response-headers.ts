import { connectionTokens, isHopByHop } from './hop-by-hop.ts';

/** Response headers as the upstream clients parse them: lower-case names, repeated ones as arrays. */
type IncomingHttpHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The upstream response headers to send to the client, as a flat `[name, value, ...]` list for
 * `writeHead`: hop-by-hop headers (and those Connection names) removed, repeated headers such
 * as Set-Cookie kept as separate lines, Content-Length kept, and `Server: pointsman` added when
 * the upstream sent no Server. Node adds Date when it is missing. `edit` applies the route's
 * header policies (response-policy.ts). `close` asks Node to end the connection after this
 * response (the proxy is draining).
 */
export function responseHeaders(
  headers: IncomingHttpHeaders,
  close: boolean,
  edit?: (headers: (string | string[])[]) => (string | string[])[],
): (string | string[])[] {
  const named = connectionTokens(headers['connection']);
  let out: (string | string[])[] = [];
  let server = false;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHop(name) || named?.has(name) === true) continue;
    if (name === 'server') server = true;
    out.push(name, value);
  }
  if (!server) out.push('server', 'pointsman');
  // The route's header operations see Server as the client would, so that they may clear it.
  if (edit !== undefined) out = edit(out);
  if (close) out.push('connection', 'close');
  return out;
}
