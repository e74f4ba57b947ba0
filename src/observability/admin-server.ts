import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectResult, RouteTable } from '../ir/index.ts';
import type { ObjectRef } from '../objects/index.ts';
import type { Logger } from './logger.ts';

/** What the admin views show; the control loop's `status()` gives it. */
export interface AdminView {
  /** True once the first route table is live. */
  readonly ready: boolean;
  /** The live route table (the IR); null before the first one. */
  readonly table: RouteTable | null;
  readonly results: readonly ObjectResult[];
  /** Load diagnostics of the sources (plain data). */
  readonly diagnostics: readonly unknown[];
  /** Rejected Ingresses whose last accepted version is still served. */
  readonly servingLastGood: readonly ObjectRef[];
}

/** Where the admin server reads its views; asked on every request. */
export interface AdminStatusProvider {
  status(): AdminView;
}

/** Options of {@link createAdminServer}. */
export interface AdminServerOptions {
  readonly status: AdminStatusProvider;
  /** A child with `component: 'admin'` is taken. */
  readonly logger: Logger;
}

/** A running admin server. */
export interface AdminServer {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** From now on `/readyz` answers 503, so load balancers stop sending traffic before shutdown. */
  setShuttingDown(): void;
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
 * The admin HTTP server: `GET /healthz` (200 while the process runs), `GET /readyz` (200 once
 * the first table is live, 503 before and again once shutdown starts), `GET /debug/routes`
 * (the live IR as JSON; 503 before the first table) and `GET /debug/results` (per-object
 * results, load diagnostics and the Ingresses served in their last good version). HEAD works
 * as GET; other methods get 405, other paths 404, and a request with a body 413.
 */
export function createAdminServer(options: AdminServerOptions): AdminServer {
  const logger = options.logger.child({ component: 'admin' });
  let shuttingDown = false;
  const server = createServer(SERVER_LIMITS, (request, response) => {
    try {
      handle(request, response, options.status, shuttingDown);
    } catch (error) {
      logger.error({ err: error, url: request.url }, 'admin request failed');
      if (!response.headersSent) send(response, 500, 'text', 'internal error');
      else response.destroy();
    }
  });
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          logger.info({ address: address.address, port: address.port }, 'admin server listening');
          resolve(address);
        });
      }),
    setShuttingDown: () => {
      shuttingDown = true;
    },
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
  provider: AdminStatusProvider,
  shuttingDown: boolean,
): void {
  if (hasBody(request)) {
    // The body is never read: closing the connection is cheaper than draining it.
    response.setHeader('connection', 'close');
    send(response, 413, 'text', 'request bodies are not accepted');
    return;
  }
  const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
  if (!ROUTES.has(path)) {
    send(response, 404, 'text', 'not found');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    send(response, 405, 'text', 'method not allowed');
    return;
  }
  if (path === '/healthz') {
    send(response, 200, 'text', 'ok');
    return;
  }
  const view = provider.status();
  if (path === '/readyz') {
    if (shuttingDown) send(response, 503, 'text', 'shutting down');
    else if (view.ready) send(response, 200, 'text', 'ok');
    else send(response, 503, 'text', 'not ready');
  } else if (path === '/debug/routes') {
    if (view.table === null) send(response, 503, 'json', { error: 'no route table is live yet' });
    else send(response, 200, 'json', view.table);
  } else {
    const { results, diagnostics, servingLastGood } = view;
    const version = view.table?.version ?? null;
    send(response, 200, 'json', { version, results, diagnostics, servingLastGood });
  }
}

const ROUTES: ReadonlySet<string> = new Set([
  '/healthz',
  '/readyz',
  '/debug/routes',
  '/debug/results',
]);

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

function send(
  response: ServerResponse,
  status: number,
  type: 'text' | 'json',
  body: unknown,
): void {
  const text = type === 'json' ? `${JSON.stringify(body, null, 2)}\n` : String(body);
  response.writeHead(status, {
    'content-type': type === 'json' ? 'application/json' : 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(text);
}
