import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpServer as createServer } from '../dataplane/index.ts';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.ts';

/** Answers one GET or HEAD of its path; returns a promise only when it waits for something. */
export type AdminHandler = (
  query: URLSearchParams,
  response: ServerResponse,
) => Promise<void> | undefined;

/** Options of {@link createAdminListener}. */
export interface AdminListenerOptions {
  /** Logs the bound address and failed requests; already names the listener's component. */
  readonly logger: Logger;
  /** The log message once bound, which tests and scripts wait for. */
  readonly listeningMessage: string;
  /** The exact paths served; the query string is not part of them. */
  readonly routes: ReadonlyMap<string, AdminHandler>;
  /** The plain-text body of the 404 for every other path, asked per request. */
  readonly notFound: () => string;
  /**
   * Whether a request's Host may be answered; others get 421. Unset: every Host is answered.
   * The status listener sets it against DNS rebinding (see status-server.ts).
   */
  readonly hostAllowed?: (host: string) => boolean;
}

/** One listener of the admin views (the probe listener or the status listener). */
export interface AdminListener {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

// Probes and debug views need little: small heads, quick requests, no bodies.
const SERVER_LIMITS = {
  maxHeaderSize: 8 * 1024,
  headersTimeout: 5_000,
  requestTimeout: 10_000,
  keepAliveTimeout: 5_000,
};

/**
 * A small read-only HTTP listener over a table of paths: HEAD works as GET, other methods get
 * 405, unknown paths 404, a request with a body 413, and a handler that throws or rejects 500
 * (the listener keeps serving).
 */
export function createAdminListener(options: AdminListenerOptions): AdminListener {
  const { logger } = options;
  const server = createServer(SERVER_LIMITS, (request, response) => {
    const fail = (error: unknown): void => {
      logger.error({ err: error, url: request.url }, 'admin request failed');
      if (!response.headersSent) send(response, 500, 'text', 'internal error');
      else response.destroy();
    };
    try {
      handle(request, response, options)?.catch(fail);
    } catch (error) {
      fail(error);
    }
  });
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          logger.info({ address: address.address, port: address.port }, options.listeningMessage);
          resolve(address);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: AdminListenerOptions,
): Promise<void> | undefined {
  if (hasBody(request)) {
    // The body is never read: closing the connection is cheaper than draining it.
    response.setHeader('connection', 'close');
    send(response, 413, 'text', 'request bodies are not accepted');
    return undefined;
  }
  if (options.hostAllowed !== undefined && !options.hostAllowed(request.headers.host ?? '')) {
    send(
      response,
      421,
      'text',
      'this listener answers only requests for an IP address or localhost',
    );
    return undefined;
  }
  const target = request.url ?? '/';
  const queryAt = target.indexOf('?');
  const path = queryAt < 0 ? target : target.slice(0, queryAt);
  const handler = options.routes.get(path);
  if (handler === undefined) {
    send(response, 404, 'text', options.notFound());
    return undefined;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    send(response, 405, 'text', 'method not allowed');
    return undefined;
  }
  return handler(new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1)), response);
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

const CONTENT_TYPES = {
  text: 'text/plain; charset=utf-8',
  json: 'application/json',
  html: 'text/html; charset=utf-8',
} as const;

/** Writes a whole answer: JSON is pretty-printed, and nothing is cached or sniffed. */
export function send(
  response: ServerResponse,
  status: number,
  type: keyof typeof CONTENT_TYPES,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = type === 'json' ? `${JSON.stringify(body, null, 2)}\n` : String(body);
  response.writeHead(status, {
    'content-type': CONTENT_TYPES[type],
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  response.end(text);
}
