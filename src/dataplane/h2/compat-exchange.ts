import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Readable } from 'node:stream';

/** The client connection as request records and forwarded headers see it. */
export interface ConnectionFacts {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
}

// Connection-specific fields, which HTTP/2 forbids (RFC 9113 section 8.2.2). The proxy's own
// answers name `Connection: close`; Node would drop it with a process warning.
const NOT_IN_HTTP2: ReadonlySet<string> = new Set([
  'connection',
  'http2-settings',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Fits Node's HTTP/2 compatibility request and response to the proxy's HTTP/1.1 request
 * handler, which reads only the members changed here besides the common ones:
 * - `rawHeaders` in HTTP/1.1 form ({@link http1RawHeaders});
 * - `socket`: the connection's addresses and this stream's own byte counts (body bytes: header
 *   blocks are compressed per connection), where the compatibility layer gives a proxy of the
 *   shared connection that throws once it is gone;
 * - `writeHead` leaves out connection-specific fields, and holds back a gRPC "Trailers-Only"
 *   answer (its head carries `grpc-status`) so that it goes out as one HEADERS frame that ends
 *   the stream, which is the only form gRPC clients accept for it;
 * - `destroyed`, which the compatibility response lacks, and `writableFinished`, true only for
 *   a response the handler ended (not for a stream the client reset).
 */
export function adaptExchange(
  req: Http2ServerRequest,
  res: Http2ServerResponse,
  connection: ConnectionFacts,
): void {
  let bytesRead = 0;
  let bytesWritten = 0;
  const stream = req.stream;
  const socket = {
    ...connection,
    get bytesRead() {
      return bytesRead;
    },
    get bytesWritten() {
      return bytesWritten;
    },
  };
  const raw = http1RawHeaders(req.rawHeaders, stream.endAfterHeaders);
  Object.defineProperty(req, 'rawHeaders', { value: raw });
  Object.defineProperty(req, 'socket', { value: socket });
  Object.defineProperty(req, 'push', {
    value: (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (chunk !== null && chunk !== undefined) bytesRead += byteLength(chunk);
      return Readable.prototype.push.call(req, chunk, encoding);
    },
  });
  const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
  Object.defineProperty(res, 'write', {
    value: (chunk: unknown, ...rest: unknown[]): boolean => {
      bytesWritten += byteLength(chunk);
      return write(chunk, ...rest);
    },
  });
  Object.defineProperty(res, 'writeHead', { value: writeHeadFor(res) });
  Object.defineProperty(res, 'destroyed', { get: () => stream.destroyed });
  // Node ends the writable side of a stream the client resets, so the stream alone would call
  // a cut response finished; only one the handler ended is.
  Object.defineProperty(res, 'writableFinished', {
    get: () => res.writableEnded && stream.writableFinished,
  });
}

type WriteHead = (status: number, headers?: readonly (string | readonly string[])[]) => unknown;

function writeHeadFor(res: Http2ServerResponse): WriteHead {
  const writeHead = res.writeHead.bind(res) as (status: number, headers?: unknown[]) => unknown;
  return (status, headers) => {
    if (headers === undefined) return writeHead(status);
    const kept: (string | readonly string[])[] = [];
    let trailersOnly = false;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = (headers[i] as string).toLowerCase();
      if (NOT_IN_HTTP2.has(name)) continue;
      if (name === 'grpc-status') trailersOnly = true;
      kept.push(name, headers[i + 1] as string | readonly string[]);
    }
    if (!trailersOnly) return writeHead(status, kept);
    // Sent by end() (or the first write): Node then ends the stream with the HEADERS frame.
    res.statusCode = status;
    for (let i = 0; i + 1 < kept.length; i += 2) {
      res.appendHeader(kept[i] as string, kept[i + 1] as string | string[]);
    }
    return res;
  };
}

/**
 * An HTTP/2 request's header list as an HTTP/1.1 request would carry it: `:authority` as Host
 * (first), other pseudo-headers dropped, split Cookie fields joined with `; ` (RFC 9113 section
 * 8.2.3), and `Transfer-Encoding: chunked` added when a body of unknown length follows (the
 * HEADERS frame did not end the stream and there is no Content-Length), so that the handler
 * streams it. A Host that differs from `:authority` is kept, making two Host values, which the
 * handler refuses with 400 (RFC 9113 section 8.3.1 calls such a request malformed).
 */
export function http1RawHeaders(raw: readonly string[], endAfterHeaders: boolean): string[] {
  const out: string[] = [];
  let authority: string | undefined;
  let cookie: string | undefined;
  let contentLength = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    if (name === ':authority') authority = value;
    else if (name.startsWith(':')) continue;
    else if (name === 'cookie') cookie = cookie === undefined ? value : `${cookie}; ${value}`;
    else {
      if (name === 'content-length') contentLength = true;
      out.push(name, value);
    }
  }
  if (cookie !== undefined) out.push('cookie', cookie);
  if (!endAfterHeaders && !contentLength) out.push('transfer-encoding', 'chunked');
  if (authority === undefined) return out;
  const kept = ['host', authority];
  for (let i = 0; i + 1 < out.length; i += 2) {
    const name = out[i] as string;
    const value = out[i + 1] as string;
    if (name === 'host' && value.toLowerCase() === authority.toLowerCase()) continue;
    kept.push(name, value);
  }
  return kept;
}

function byteLength(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}
