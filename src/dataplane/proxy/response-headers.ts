import { connectionTokens, isHopByHop } from './hop-by-hop.ts';

/** Response headers as undici parses them: lower-case names, repeated ones as arrays. */
type IncomingHttpHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The upstream response headers to send to the client, as a flat `[name, value, ...]` list for
 * `writeHead`: hop-by-hop headers (and those Connection names) removed, repeated headers such
 * as Set-Cookie kept as separate lines, Content-Length kept, and `Server: pointsman` added when
 * the upstream sent no Server. Node adds Date when it is missing. `close` asks Node to end the
 * connection after this response (the proxy is draining).
 */
export function responseHeaders(
  headers: IncomingHttpHeaders,
  close: boolean,
): (string | string[])[] {
  const named = connectionTokens(headers['connection']);
  const out: (string | string[])[] = [];
  let server = false;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHop(name) || named?.has(name) === true) continue;
    if (name === 'server') server = true;
    out.push(name, value);
  }
  if (!server) out.push('server', 'pointsman');
  if (close) out.push('connection', 'close');
  return out;
}
