import type { ObjectResult, RouteTable } from '../ir/index.ts';
import type { ObjectRef } from '../objects/index.ts';
import type { AdminListener } from './admin-http.ts';
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

/** Where the admin listeners read their views; asked on every request. */
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

/** A running admin listener that knows when the process shuts down. */
export interface AdminServer extends AdminListener {
  /** From now on `/readyz` answers 503 (and the summary says so), before the listeners close. */
  setShuttingDown(): void;
}
