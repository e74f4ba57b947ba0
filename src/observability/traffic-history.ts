import type { RequestObserver, RequestRecord } from '../dataplane/index.ts';
import { firstK } from './first-k.ts';

/** Options of {@link TrafficHistory}. */
export interface TrafficHistoryOptions {
  /** Width of one bucket; default 10 s. */
  readonly bucketMs?: number;
  /** Buckets kept; default 60 (ten minutes of 10 s buckets). */
  readonly buckets?: number;
  /** Unix milliseconds; `Date.now` by default, a fake in tests. */
  readonly now?: () => number;
}

/** Counts of one Ingress over the window, oldest bucket first. */
export interface IngressTraffic {
  /** `''` and `''` for requests that matched no Ingress. */
  readonly namespace: string;
  readonly name: string;
  readonly requests: number[];
  /** Answers with a 5xx status. */
  readonly serverErrors: number[];
  /** Answers with a 4xx status. */
  readonly clientErrors: number[];
  /** Sums over the window. */
  readonly total: TrafficTotals;
}

/** Counts of one series over the window. */
export interface TrafficTotals {
  requests: number;
  serverErrors: number;
  clientErrors: number;
}

/** The window of all requests, whatever their Ingress (what the status page's summary reads). */
export interface TrafficOverall {
  readonly bucketSeconds: number;
  /** Unix seconds at the end of the newest bucket (which is still filling). */
  readonly end: number;
  /** All requests, whatever their Ingress. */
  readonly all: IngressTraffic;
}

/** What `/api/traffic` serves. */
export interface TrafficSnapshot extends TrafficOverall {
  /** The busiest Ingresses matching the query, at most `limit`, busiest first. */
  readonly ingresses: IngressTraffic[];
  /** How many Ingresses matched the query (before the limit). */
  readonly matched: number;
}

interface Series {
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name`, what a query is searched in. */
  readonly key: string;
  /** Sums over the window, kept as buckets fill and clear, so ranking reads no bucket. */
  readonly total: TrafficTotals;
  readonly requests: Uint32Array;
  readonly serverErrors: Uint32Array;
  readonly clientErrors: Uint32Array;
  /** The newest bucket that counted something. */
  lastEpoch: number;
}

/**
 * Request and error counts per Ingress in a ring of time buckets (by default 10 s each over the
 * last 10 minutes), for the status page. Memory is bounded by the Ingresses that saw traffic in
 * the window: a series with no request for a whole window is dropped. A snapshot ranks the
 * series on running totals and builds bucket arrays only for the rows it returns: a series it
 * leaves out costs a substring test and a heap comparison, never an array.
 */
export class TrafficHistory implements RequestObserver {
  readonly #bucketMs: number;
  readonly #size: number;
  readonly #now: () => number;
  readonly #byNamespace = new Map<string, Map<string, Series>>();
  readonly #all: Series;
  #epoch: number;

  constructor(options: TrafficHistoryOptions = {}) {
    this.#bucketMs = options.bucketMs ?? 10_000;
    this.#size = options.buckets ?? 60;
    this.#now = options.now ?? Date.now;
    this.#epoch = Math.floor(this.#now() / this.#bucketMs);
    this.#all = this.#newSeries('', '');
  }

  onRequestEnd(record: RequestRecord): void {
    this.count(record.ingressNamespace, record.ingressName, record.status);
  }

  /** Counts `times` answers (default one) with `status` for an Ingress (`''`, `''`: none). */
  count(namespace: string, name: string, status: number, times = 1): void {
    this.#advance();
    const slot = this.#epoch % this.#size;
    bump(this.#all, slot, status, this.#epoch, times);
    let names = this.#byNamespace.get(namespace);
    if (names === undefined) {
      names = new Map();
      this.#byNamespace.set(namespace, names);
    }
    let series = names.get(name);
    if (series === undefined) {
      series = this.#newSeries(namespace, name);
      names.set(name, series);
    }
    bump(series, slot, status, this.#epoch, times);
  }

  /** The window, for Ingresses whose `namespace/name` contains `query`, busiest `limit` first. */
  snapshot(query = '', limit = 20): TrafficSnapshot {
    const overall = this.overall();
    const needle = query.trim().toLowerCase();
    const matching: Series[] = [];
    for (const names of this.#byNamespace.values()) {
      for (const series of names.values()) {
        if (needle === '' || series.key.includes(needle)) matching.push(series);
      }
    }
    return {
      ...overall,
      ingresses: firstK(matching, limit, busiestFirst).map((series) => this.#view(series)),
      matched: matching.length,
    };
  }

  /** The window of all requests, without any per-Ingress series. */
  overall(): TrafficOverall {
    this.#advance();
    return {
      bucketSeconds: this.#bucketMs / 1000,
      end: ((this.#epoch + 1) * this.#bucketMs) / 1000,
      all: this.#view(this.#all),
    };
  }

  /** Moves the ring to the current bucket, clearing the buckets that passed without traffic. */
  #advance(): void {
    const epoch = Math.floor(this.#now() / this.#bucketMs);
    if (epoch <= this.#epoch) return;
    const steps = Math.min(epoch - this.#epoch, this.#size);
    const clear = (series: Series): void => {
      const total = series.total;
      for (let step = 1; step <= steps; step++) {
        const slot = (this.#epoch + step) % this.#size;
        total.requests -= series.requests[slot] ?? 0;
        total.serverErrors -= series.serverErrors[slot] ?? 0;
        total.clientErrors -= series.clientErrors[slot] ?? 0;
        series.requests[slot] = 0;
        series.serverErrors[slot] = 0;
        series.clientErrors[slot] = 0;
      }
    };
    clear(this.#all);
    for (const [namespace, names] of this.#byNamespace) {
      for (const [name, series] of names) {
        if (epoch - series.lastEpoch >= this.#size) names.delete(name);
        else clear(series);
      }
      if (names.size === 0) this.#byNamespace.delete(namespace);
    }
    this.#epoch = epoch;
  }

  #view(series: Series): IngressTraffic {
    const requests: number[] = [];
    const serverErrors: number[] = [];
    const clientErrors: number[] = [];
    for (let age = this.#size - 1; age >= 0; age--) {
      const slot = (this.#epoch - age + this.#size * 2) % this.#size;
      requests.push(series.requests[slot] ?? 0);
      serverErrors.push(series.serverErrors[slot] ?? 0);
      clientErrors.push(series.clientErrors[slot] ?? 0);
    }
    const { namespace, name } = series;
    return { namespace, name, requests, serverErrors, clientErrors, total: { ...series.total } };
  }

  #newSeries(namespace: string, name: string): Series {
    return {
      namespace,
      name,
      key: `${namespace}/${name}`,
      total: { requests: 0, serverErrors: 0, clientErrors: 0 },
      requests: new Uint32Array(this.#size),
      serverErrors: new Uint32Array(this.#size),
      clientErrors: new Uint32Array(this.#size),
      lastEpoch: this.#epoch,
    };
  }
}

function bump(series: Series, slot: number, status: number, epoch: number, times: number): void {
  series.requests[slot] = (series.requests[slot] ?? 0) + times;
  series.total.requests += times;
  if (status >= 500) {
    series.serverErrors[slot] = (series.serverErrors[slot] ?? 0) + times;
    series.total.serverErrors += times;
  } else if (status >= 400) {
    series.clientErrors[slot] = (series.clientErrors[slot] ?? 0) + times;
    series.total.clientErrors += times;
  }
  series.lastEpoch = epoch;
}

function busiestFirst(a: Series, b: Series): number {
  return (
    b.total.requests - a.total.requests ||
    compare(a.namespace, b.namespace) ||
    compare(a.name, b.name)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
