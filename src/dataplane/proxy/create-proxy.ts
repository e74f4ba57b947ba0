import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { PolicyBalancer } from '../balancer/index.ts';
import { http2SideOf } from '../h2/index.ts';
import { createResilience } from '../health/index.ts';
import { PolicyState } from '../policy/index.ts';
import { endpointKey, UpstreamPools } from '../upstream/index.ts';
import { ConnectionLimits, type ShedCounts, type ShedReason } from './connection-limits.ts';
import { ConnectionTracker, type ProxyStats } from './connection-tracker.ts';
import { ignoreError, type ProxyContext } from './context.ts';
import { drainProxy } from './drain.ts';
import { rawErrorResponse } from './error-response.ts';
import { createClientErrorHandler } from './handle-client-error.ts';
import { createRequestHandler } from './handle-request.ts';
import { createUpgradeHandler } from './handle-upgrade.ts';
import { createListenerServer, passthroughCountsOf } from './listener-server.ts';
import { logProxyError } from './log-error.ts';
import {
  proxySettings,
  validateProxySettings,
  type ProxyOptions,
  type ProxySettings,
} from './options.ts';
import { requestIdFor } from './request-id.ts';
import type { PassthroughCounts } from './ssl-passthrough.ts';
import { isTrusted, parseTrustedProxies } from './trusted-proxies.ts';

/** A running HTTP/1.1 reverse proxy. */
export interface Proxy {
  /** The underlying Node server (for tests and for adding listeners such as TLS wrappers). */
  readonly server: Server;
  /**
   * Starts listening; port 0 picks a free port. Resolves with the bound address. With
   * `reusePort`, the socket takes SO_REUSEPORT: the workers of one controller each bind the same
   * port, and the kernel spreads new connections over them.
   */
  listen(port: number, host?: string, options?: ListenOptions): Promise<AddressInfo>;
  /**
   * Graceful close: stops accepting, closes idle keep-alive connections at once, lets
   * in-flight requests and tunnels finish, and after `graceMs` cuts whatever remains.
   * Calling it again returns the same promise.
   */
  close(graceMs?: number): Promise<void>;
  /** What the proxy holds open right now. */
  stats(): ListenerStats;
}

/** What a proxy holds open; `http2Sessions` only on a listener that serves HTTP/2. */
export interface ListenerStats extends ProxyStats {
  /**
   * HTTP/2 connections (h2 by ALPN, h2c), each also one of `connections`: those count TCP
   * connections, whatever they turn out to speak.
   */
  readonly http2Sessions?: number;
  /** Connections the limits closed since the start: idle ones evicted, new ones refused. */
  readonly shed: ShedCounts;
  /** HTTPS only: TLS passthrough connections since the start (each also one of `tunnels`). */
  readonly passthrough?: PassthroughCounts;
}

/** Default grace period of {@link Proxy.close}. */
export const DEFAULT_CLOSE_GRACE_MS = 30_000;
// Pools of endpoints gone from the table are closed after this long; checked this often.
const RETIRE_AFTER_MS = 60_000;
const SWEEP_EVERY_MS = 15_000;

/**
 * Creates the data plane's HTTP/1.1 reverse proxy. Each request is routed with the table
 * `options.tables` holds when it arrives and forwarded to a ready endpoint of the chosen
 * backend; failures are answered with a stable `X-Pointsman-Error` code (docs/errors.md).
 * Throws a RangeError when the options are invalid (see {@link validateProxySettings}).
 */
export function createProxy(options: ProxyOptions): Proxy {
  const settings = proxySettings(options);
  const problems = validateProxySettings(settings);
  if (problems.length > 0) throw new RangeError(`invalid proxy options: ${problems.join('; ')}`);
  const logger = options.logger.child({ component: 'proxy' });
  const trusted = parseTrustedProxies(settings.trustedProxies).list;
  const limits = new ConnectionLimits({
    maxConnections: settings.maxConnections,
    maxPerClient: settings.maxConnectionsPerClient,
    exempt: (address) => isTrusted(trusted, address),
    onShed: shedLogger(logger, settings),
  });
  const resilience = options.resilience ?? createResilience({ logger });
  const context: ProxyContext = {
    tables: options.tables,
    logger,
    settings,
    balancer:
      options.balancer ??
      new PolicyBalancer(
        options.sessionCookieKey === undefined
          ? {}
          : { sessionCookieKey: options.sessionCookieKey },
      ),
    pools: new UpstreamPools({
      connectTimeoutMs: settings.connectTimeoutMs,
      responseHeadersTimeoutMs: settings.responseHeadersTimeoutMs,
      responseBodyTimeoutMs: settings.responseBodyTimeoutMs,
      keepAliveTimeoutMs: settings.upstreamKeepAliveTimeoutMs,
      retireAfterMs: RETIRE_AFTER_MS,
      connects: resilience.health,
    }),
    resilience,
    tracker: new ConnectionTracker(limits),
    limits,
    policy: new PolicyState(options.limits),
    trusted,
    clients: { trusted, forwardedForHeader: settings.forwardedForHeader.toLowerCase() },
    observer: options.observer ?? null,
    listener: options.listener ?? settings.proto,
    closing: false,
  };
  const server = buildServer(context);
  const http2 = http2SideOf(server);
  const sweeper = setInterval(() => {
    sweep(context);
  }, SWEEP_EVERY_MS);
  sweeper.unref();
  let closing: Promise<void> | undefined;
  return {
    server,
    listen: (port, host, options) => listen(server, port, host, options),
    close: (graceMs = DEFAULT_CLOSE_GRACE_MS) => {
      clearInterval(sweeper);
      context.policy.close();
      closing ??= drainProxy(server, context, graceMs);
      return closing;
    },
    stats: () => {
      const passthrough = passthroughCountsOf(server);
      const stats = {
        ...context.tracker.stats(),
        shed: limits.shed(),
        ...(passthrough === null ? {} : { passthrough }),
      };
      return http2 === null ? stats : { ...stats, http2Sessions: http2.sessions };
    },
  };
}

function buildServer(context: ProxyContext): Server {
  const { settings } = context;
  const server = createListenerServer(
    context,
    {
      maxHeaderSize: settings.maxHeaderSize,
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      connectionsCheckingInterval: checkingInterval(settings.headersTimeoutMs),
      // Missing and repeated Host headers are answered by the proxy, with its error codes.
      requireHostHeader: false,
      noDelay: true,
      shouldUpgradeCallback: isTunnelUpgrade,
    },
    createRequestHandler(context),
  );
  server.on('connection', (socket: Socket) => {
    context.tracker.connectionOpened(socket);
  });
  // After every other 'connection' listener: attach() takes them over and calls them only for
  // admitted connections. It replaces Node's maxConnections, which refuses every new connection
  // at the limit, however idle the open ones are.
  context.limits.attach(server);
  server.on('clientError', createClientErrorHandler(context));
  server.on('upgrade', createUpgradeHandler(context));
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', ignoreError);
    socket.end(rawErrorResponse('PM_ERR_BAD_REQUEST', requestIdFor(undefined), undefined));
  });
  server.on('error', (error) => {
    logProxyError(context.logger, 'PM_ERR_INTERNAL', { error });
  });
  return server;
}

/**
 * Upgrades become tunnels, except h2c: tunnelling it would give the client a raw HTTP/2
 * connection to the backend, past every path rule. Such requests are served as plain
 * HTTP/1.1 requests, their Upgrade header dropped, which RFC 9110 allows.
 */
function isTunnelUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return upgrade !== undefined && !/(^|,)\s*h2c\s*(,|$)/i.test(upgrade);
}

// Node checks header and request deadlines on a timer; it must tick well within the limit.
function checkingInterval(headersTimeoutMs: number): number {
  return Math.min(30_000, Math.max(100, Math.floor(headersTimeoutMs / 4)));
}

/**
 * Logs the connections the limits closed, at most once a second, with counts by reason since the
 * last line: a flood of connections must not become a flood of log lines.
 */
function shedLogger(
  logger: ProxyContext['logger'],
  settings: ProxySettings,
): (reason: ShedReason) => void {
  const counts: Record<ShedReason, number> = { evicted: 0, clientLimit: 0, limit: 0 };
  let lastLog = 0;
  return (reason) => {
    counts[reason]++;
    const now = Date.now();
    if (now - lastLog < 1_000) return;
    lastLog = now;
    logger.warn(
      {
        code: 'PM_ERR_TOO_MANY_CONNECTIONS',
        refusedPerClient: counts.clientLimit,
        refusedAtLimit: counts.limit,
        evictedIdle: counts.evicted,
        limit: settings.maxConnections,
        perClientLimit: settings.maxConnectionsPerClient,
      },
      'connection limits reached: idle connections closed or new connections refused',
    );
    counts.evicted = counts.clientLimit = counts.limit = 0;
  };
}

function sweep(context: ProxyContext): void {
  const table = context.tables.current;
  context.pools.sweep(table, Date.now());
  const isLive = (id: string): boolean => table?.backend(id) !== undefined;
  context.balancer.retain(isLive);
  context.resilience.budget.retain(isLive);
  const endpoints = new Set<string>();
  for (const backend of table?.table.backends ?? []) {
    for (const endpoint of backend.endpoints) endpoints.add(endpointKey(endpoint));
  }
  context.resilience.health.retain((key) => endpoints.has(key));
}

/** How a proxy binds its port (see {@link Proxy.listen}). */
export interface ListenOptions {
  readonly reusePort?: boolean;
}

async function listen(
  server: Server,
  port: number,
  host?: string,
  options: ListenOptions = {},
): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, reusePort: options.reusePort === true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
