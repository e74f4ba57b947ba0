import {
  connect,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';

/** Options of {@link h2Connect}. */
export interface H2ConnectOptions {
  /** TLS with ALPN `h2` (any certificate accepted) with this SNI name; h2c when absent. */
  readonly servername?: string;
}

/** Opens an HTTP/2 session to 127.0.0.1:port; resolves once it is connected. */
export async function h2Connect(
  port: number,
  options: H2ConnectOptions = {},
): Promise<ClientHttp2Session> {
  const tls = options.servername !== undefined;
  const session = connect(`${tls ? 'https' : 'http'}://127.0.0.1:${String(port)}`, {
    ...(tls ? { servername: options.servername, rejectUnauthorized: false } : {}),
  });
  session.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => {
      resolve();
    });
    session.once('error', reject);
  });
  return session;
}

/** A whole HTTP/2 response. */
export interface H2Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly trailers: IncomingHttpHeaders;
}

/** Options of {@link h2Request}. */
export interface H2RequestOptions {
  readonly method?: string;
  readonly path?: string;
  /** `:authority`. */
  readonly authority: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string | Buffer;
  /** Request trailers, sent after the body. */
  readonly trailers?: OutgoingHttpHeaders;
}

/** One request on a session, with the whole response. */
export async function h2Request(
  session: ClientHttp2Session,
  options: H2RequestOptions,
): Promise<H2Reply> {
  const hasBody = options.body !== undefined || options.trailers !== undefined;
  const stream = session.request(
    {
      ':method': options.method ?? 'GET',
      ':path': options.path ?? '/',
      ':authority': options.authority,
      ...options.headers,
    },
    { endStream: !hasBody, waitForTrailers: options.trailers !== undefined },
  );
  if (options.trailers !== undefined) {
    const trailers = options.trailers;
    stream.once('wantTrailers', () => {
      stream.sendTrailers(trailers);
    });
  }
  if (hasBody) stream.end(options.body);
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.once('response', (responseHeaders) => {
      status = Number(responseHeaders[':status']);
      headers = responseHeaders;
    });
    stream.once('trailers', (received: IncomingHttpHeaders) => {
      trailers = received;
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => {
      resolve({ status, headers, body: Buffer.concat(chunks), trailers });
    });
    stream.once('error', reject);
  });
}

/** Closes a session and waits for it. */
export async function h2Close(session: ClientHttp2Session): Promise<void> {
  if (session.destroyed) return;
  await new Promise<void>((resolve) => {
    session.close(() => {
      resolve();
    });
  });
}
