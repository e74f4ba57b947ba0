import type { ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { explainRequest } from '../ir/index.ts';
import { certificatesPage, objectsPage, routesPage, summaryOf } from './admin-api.ts';
import { createAdminListener, send, type AdminHandler } from './admin-http.ts';
import type { AdminServer, AdminStatusProvider, AdminView, TrafficSource } from './admin-view.ts';
import { endpointsPage, withEndpointHealth, type HealthView } from './endpoint-health-view.ts';
import type { Logger } from './logger.ts';
import { statusPage } from './status-page.ts';

/** Options of {@link createStatusServer}. */
export interface StatusServerOptions {
  readonly status: AdminStatusProvider;
  /** A child with `component: 'status-page'` is taken. */
  readonly logger: Logger;
  /** Whether `/metrics` is served (the summary says so, and the page explains missing traffic). */
  readonly metricsOn?: boolean;
  /** `/api/traffic` answers 404 without it, and the summary has no traffic. */
  readonly traffic?: TrafficSource | null;
  /**
   * The process's passive health (EndpointHealth): `/api/endpoints` and the health of the
   * endpoints in `/api/explain`. Without it, every endpoint is shown in rotation.
   */
  readonly health?: HealthView | null;
  /** Unix milliseconds, for certificate expiry; `Date.now` by default. */
  readonly now?: () => number;
}

/** One view of the status listener: the request's query, the view of now, the answer. */
type View = (query: URLSearchParams, view: AdminView, response: ServerResponse) => void;

/**
 * The status listener (docs/admin-api.md, `--status-port`): the status page at `GET /`,
 * `GET /debug/routes` (the live IR as JSON; 503 before the first table), `GET /debug/results`
 * (per-object results, load diagnostics and the Ingresses served in their last good version),
 * and the JSON views the page reads under `/api/`, among them `/api/endpoints` (endpoints out of
 * rotation or failing, by passive health) and `/api/explain` (how the live table routes one
 * request, with the health of each endpoint that would serve it). They show routes, Pod IPs and Secret names
 * without authentication, which is why the command binds this listener to loopback by default.
 */
export function createStatusServer(options: StatusServerOptions): AdminServer {
  const state = { shuttingDown: false };
  const traffic = options.traffic ?? null;
  const nowMs = (): number => (options.now ?? Date.now)();
  const health = options.health ?? null;
  const healthEntries = () => health?.snapshot() ?? [];
  const views: Record<string, View> = {
    '/debug/routes': (_query, view, response) => {
      if (view.table === null) send(response, 503, 'json', { error: 'no route table is live yet' });
      else send(response, 200, 'json', view.table);
    },
    '/debug/results': (_query, view, response) => {
      const { results, diagnostics, servingLastGood } = view;
      const version = view.table?.version ?? null;
      send(response, 200, 'json', { version, results, diagnostics, servingLastGood });
    },
    '/api/summary': (_query, view, response) => {
      const context = { shuttingDown: state.shuttingDown, nowMs: nowMs() };
      send(response, 200, 'json', {
        ...summaryOf(view, { ...context, traffic: traffic?.overall() ?? null }),
        metrics: options.metricsOn ?? false,
      });
    },
    '/api/routes': (query, view, response) => {
      send(response, 200, 'json', routesPage(view, query));
    },
    '/api/objects': (query, view, response) => {
      send(response, 200, 'json', {
        ...objectsPage(view, query),
        diagnostics: view.diagnostics.slice(0, 100),
      });
    },
    '/api/certificates': (query, view, response) => {
      send(response, 200, 'json', certificatesPage(view, query, nowMs()));
    },
    '/api/traffic': (query, _view, response) => {
      sendTraffic(response, traffic, query);
    },
    '/api/endpoints': (_query, view, response) => {
      send(response, 200, 'json', endpointsPage(view.table, healthEntries(), nowMs()));
    },
    '/api/explain': (query, view, response) => {
      const host = query.get('host');
      const target = query.get('target') ?? '/';
      if (host === null || host === '') {
        send(response, 400, 'json', { error: 'give host= (and target=, the path and query)' });
      } else if (view.table === null) {
        send(response, 503, 'json', { error: 'no route table is live yet' });
      } else {
        const explanation = explainRequest(view.table, host, target);
        send(response, 200, 'json', withEndpointHealth(explanation, healthEntries()));
      }
    },
  };
  const routes = new Map<string, AdminHandler>([
    [
      '/',
      (_query, response) => {
        const page = statusPage();
        send(response, 200, 'html', page.html, page.headers);
        return undefined;
      },
    ],
    ...Object.entries(views).map(([path, answer]): [string, AdminHandler] => [
      path,
      (query, response) => {
        answer(query, options.status.status(), response);
        return undefined;
      },
    ]),
  ]);
  const listener = createAdminListener({
    logger: options.logger.child({ component: 'status-page' }),
    listeningMessage: 'status page listening',
    routes,
    notFound: () => 'not found',
    hostAllowed: isRebindingSafeHost,
  });
  return {
    ...listener,
    setShuttingDown: () => {
      state.shuttingDown = true;
    },
  };
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

/**
 * True for a Host that DNS cannot rebind: an IP address or `localhost`, with or without a port.
 * Without this, a web page open in the browser of an operator who runs `kubectl port-forward`
 * could point its own domain at 127.0.0.1 and read the routes, Pod IPs and Secret names here.
 */
export function isRebindingSafeHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d*$/, '');
  return name.toLowerCase() === 'localhost' || isIP(name) !== 0;
}
