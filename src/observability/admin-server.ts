import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminListener, send, type AdminHandler } from './admin-http.ts';
import type { AdminServer, AdminStatusProvider, MetricsSource } from './admin-view.ts';
import type { Logger } from './logger.ts';

/** Options of {@link createAdminServer}. */
export interface AdminServerOptions {
  readonly status: AdminStatusProvider;
  /** A child with `component: 'admin'` is taken. */
  readonly logger: Logger;
  /** `/metrics` answers 404 without it. */
  readonly metrics?: MetricsSource | null;
  /** Where the status listener is bound (null until it is), named by the 404 of other paths. */
  readonly statusListener?: () => AddressInfo | null;
  /**
   * The data plane's own say (serve --workers N): `live` false turns `/healthz` to 503 (the
   * workers keep dying: a restart of the Pod may help), `serving` false turns `/readyz` to 503
   * (no worker listens right now). Both true when absent.
   */
  readonly dataPlane?: { live(): boolean; serving(): boolean };
}

/**
 * The probe listener (docs/admin-api.md, `--admin-port`): `GET /healthz` (200 while the process
 * runs and its workers do not keep dying), `GET /readyz` (200 once the first table is live on
 * every worker and one listens, 503 before and again once shutdown starts) and `GET /metrics` (Prometheus text). It listens on the Pod IP because the kubelet and
 * the Prometheus scraper come from outside the Pod, so it serves nothing that describes the
 * configuration: every other path answers 404 and names the status listener, which does.
 */
export function createAdminServer(options: AdminServerOptions): AdminServer {
  const state = { shuttingDown: false };
  const routes = new Map<string, AdminHandler>([
    [
      '/healthz',
      (_query, response) => {
        if (options.dataPlane?.live() === false) send(response, 503, 'text', 'workers keep dying');
        else send(response, 200, 'text', 'ok');
        return undefined;
      },
    ],
    [
      '/readyz',
      (_query, response) => {
        if (state.shuttingDown) send(response, 503, 'text', 'shutting down');
        else if (options.dataPlane?.serving() === false) send(response, 503, 'text', 'no worker');
        else if (options.status.status().ready) send(response, 200, 'text', 'ok');
        else send(response, 503, 'text', 'not ready');
        return undefined;
      },
    ],
    ['/metrics', (_query, response) => sendMetrics(response, options.metrics ?? null)],
  ]);
  const listener = createAdminListener({
    logger: options.logger.child({ component: 'admin' }),
    listeningMessage: 'admin server listening',
    routes,
    notFound: () => statusViewsHint(options.statusListener?.() ?? null),
  });
  return {
    ...listener,
    setShuttingDown: () => {
      state.shuttingDown = true;
    },
  };
}

/** The 404 body: where the status page and the debug views went, and how to reach them. */
function statusViewsHint(address: AddressInfo | null): string {
  const where =
    address === null
      ? 'the status listener (--status-port, default 10255)'
      : `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${String(address.port)}/`;
  const port = address === null ? '10255' : String(address.port);
  return (
    `not found: this port serves only /healthz, /readyz and /metrics.\n` +
    `The status page, /debug/ and /api/ are on ${where}, by default on loopback only;\n` +
    `from outside the Pod: kubectl -n NAMESPACE port-forward POD ${port}, then http://127.0.0.1:${port}/\n`
  );
}

async function sendMetrics(response: ServerResponse, metrics: MetricsSource | null): Promise<void> {
  if (metrics === null) {
    send(response, 404, 'text', 'metrics are off (--metrics off)');
    return;
  }
  const text = await metrics.text();
  send(response, 200, 'text', text, { 'content-type': metrics.contentType });
}
