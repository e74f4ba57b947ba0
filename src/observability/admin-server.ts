import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectResult, RouteTable } from '../ir/index.ts';
import type { ObjectRef } from '../objects/index.ts';
import { certificatesPage, objectsPage, routesPage, summaryOf } from './admin-api.ts';
import type { Logger } from './logger.ts';
import { statusPage } from './status-page.ts';
import type { TrafficOverall, TrafficSnapshot } from './traffic-history.ts';

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

/** The metrics text `/metrics` serves. */
export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

/** Where `/api/traffic` reads the per-Ingress request counts, and the summary the overall ones. */
export interface TrafficSource {
  snapshot(query?: string, limit?: number): TrafficSnapshot;
  overall(): TrafficOverall;
}

/** Options of {@link createAdminServer}. */
export interface AdminServerOptions {
  readonly status: AdminStatusProvider;
  /** A child with `component: 'admin'` is taken. */
  readonly logger: Logger;
  /** `/metrics` answers 404 without it. */
  readonly metrics?: MetricsSource | null;
  /** `/api/traffic` answers 404 without it, and the summary has no traffic. */
  readonly traffic?: TrafficSource | null;
  /** Unix milliseconds, for certificate expiry; `Date.now` by default. */
  readonly now?: () => number;
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
 * The admin HTTP server (docs/admin-api.md): `GET /healthz` (200 while the process runs),
 * `GET /readyz` (200 once the first table is live, 503 before and again once shutdown starts),
 * `GET /debug/routes` (the live IR as JSON; 503 before the first table), `GET /debug/results`
 * (per-object results, load diagnostics and the Ingresses served in their last good version),
 * `GET /metrics` (Prometheus text), the status page at `GET /`, and the JSON views it reads
 * under `/api/`. HEAD works as GET; other methods get 405, other paths 404, and a request with
 * a body 413.
 */
export function createAdminServer(options: AdminServerOptions): AdminServer {
  const logger = options.logger.child({ component: 'admin' });
  const state = { shuttingDown: false };
  const server = createServer(SERVER_LIMITS, (request, response) => {
    const fail = (error: unknown): void => {
      logger.error({ err: error, url: request.url }, 'admin request failed');
      if (!response.headersSent) send(response, 500, 'text', 'internal error');
      else response.destroy();
    };
    try {
      handle(request, response, options, state.shuttingDown)?.catch(fail);
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
          logger.info({ address: address.address, port: address.port }, 'admin server listening');
          resolve(address);
        });
      }),
    setShuttingDown: () => {
      state.shuttingDown = true;
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

const ROUTES: ReadonlySet<string> = new Set([
  '/',
  '/healthz',
  '/readyz',
  '/metrics',
  '/debug/routes',
  '/debug/results',
  '/api/summary',
  '/api/routes',
  '/api/objects',
  '/api/certificates',
  '/api/traffic',
]);

/** Answers one request; returns a promise only for the views that wait for something. */
function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: AdminServerOptions,
  shuttingDown: boolean,
): Promise<void> | undefined {
  if (hasBody(request)) {
    // The body is never read: closing the connection is cheaper than draining it.
    response.setHeader('connection', 'close');
    send(response, 413, 'text', 'request bodies are not accepted');
    return undefined;
  }
  const target = request.url ?? '/';
  const queryAt = target.indexOf('?');
  const path = queryAt < 0 ? target : target.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1));
  if (!ROUTES.has(path)) {
    send(response, 404, 'text', 'not found');
    return undefined;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    send(response, 405, 'text', 'method not allowed');
    return undefined;
  }
  if (path === '/healthz') {
    send(response, 200, 'text', 'ok');
    return undefined;
  }
  if (path === '/metrics') return sendMetrics(response, options.metrics ?? null);
  if (path === '/') {
    const page = statusPage();
    send(response, 200, 'html', page.html, page.headers);
    return undefined;
  }
  const view = options.status.status();
  const nowMs = (options.now ?? Date.now)();
  const traffic = options.traffic ?? null;
  switch (path) {
    case '/readyz':
      if (shuttingDown) send(response, 503, 'text', 'shutting down');
      else if (view.ready) send(response, 200, 'text', 'ok');
      else send(response, 503, 'text', 'not ready');
      break;
    case '/debug/routes':
      if (view.table === null) send(response, 503, 'json', { error: 'no route table is live yet' });
      else send(response, 200, 'json', view.table);
      break;
    case '/debug/results': {
      const { results, diagnostics, servingLastGood } = view;
      const version = view.table?.version ?? null;
      send(response, 200, 'json', { version, results, diagnostics, servingLastGood });
      break;
    }
    case '/api/summary':
      send(response, 200, 'json', {
        ...summaryOf(view, { shuttingDown, nowMs, traffic: traffic?.overall() ?? null }),
        metrics: options.metrics != null,
      });
      break;
    case '/api/routes':
      send(response, 200, 'json', routesPage(view, query));
      break;
    case '/api/objects':
      send(response, 200, 'json', {
        ...objectsPage(view, query),
        diagnostics: view.diagnostics.slice(0, 100),
      });
      break;
    case '/api/certificates':
      send(response, 200, 'json', certificatesPage(view, query, nowMs));
      break;
    default:
      sendTraffic(response, traffic, query);
  }
  return undefined;
}

async function sendMetrics(response: ServerResponse, metrics: MetricsSource | null): Promise<void> {
  if (metrics === null) {
    send(response, 404, 'text', 'metrics are off (--metrics off)');
    return;
  }
  const text = await metrics.text();
  send(response, 200, 'text', text, { 'content-type': metrics.contentType });
}

function sendTraffic(
  response: ServerResponse,
  traffic: TrafficSource | null,
  query: URLSearchParams,
): void {
  if (traffic === null) {
    send(response, 404, 'json', { error: 'request metrics are off (--metrics off)' });
    return;
  }
  const limit = Number(query.get('limit') ?? '20');
  const bounded = Number.isInteger(limit) ? Math.min(Math.max(limit, 0), 1000) : 20;
  send(response, 200, 'json', traffic.snapshot(query.get('q') ?? '', bounded));
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

function send(
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
