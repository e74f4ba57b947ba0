import type { ObjectResult, RouteTable } from '../../ir/index.ts';
import type { Instruments } from './instruments.ts';
import { certificatesOf } from '../tls-view.ts';

/** How a rebuild of the route table ended. */
export type TranslationOutcome = 'swapped' | 'unchanged' | 'failed';

/**
 * The control-plane metrics: translations, the live table, objects by state, certificates, and
 * the Kubernetes side (status writes, watch restarts, leadership), which the Kubernetes source
 * and status writer report through this object.
 */
export class ControlMetrics {
  readonly #instruments: Instruments;
  /** Results not counted yet. */
  #results: readonly ObjectResult[] | null = null;

  constructor(instruments: Instruments) {
    this.#instruments = instruments;
    instruments.leader.set(0);
    for (const outcome of ['swapped', 'unchanged', 'failed']) {
      instruments.translations.labels(outcome).inc(0);
    }
  }

  /** One translation (and table install), how it ended and how long it took. */
  translated(outcome: TranslationOutcome, seconds: number): void {
    this.#instruments.translations.labels(outcome).inc();
    if (outcome !== 'failed') this.#instruments.translationDuration.observe(seconds);
  }

  /** A new table went live at `nowMs` (Unix milliseconds). */
  tableLive(table: RouteTable, nowMs: number): void {
    const instruments = this.#instruments;
    instruments.reloads.inc();
    instruments.lastReload.set(nowMs / 1000);
    instruments.routeTableInfo.reset();
    instruments.routeTableInfo.labels(table.version).set(1);
    instruments.certificateNotAfter.reset();
    for (const certificate of certificatesOf(table)) {
      const seconds = Date.parse(certificate.notAfter) / 1000;
      if (!Number.isFinite(seconds)) continue;
      instruments.certificateNotAfter.labels(certificate.namespace, certificate.name).set(seconds);
    }
  }

  /**
   * The results of the latest translation: objects by kind, state and first reason. Counted
   * when scraped ({@link ControlMetrics.collectResults}), not at every rebuild: a rebuild's cost
   * should follow what it changed, and a count goes over every object.
   */
  results(results: readonly ObjectResult[]): void {
    this.#results = results;
  }

  /** Sets the objects gauge from the latest results (its collector, at scrape time). */
  collectResults(): void {
    const results = this.#results;
    if (results === null) return;
    this.#results = null;
    const counts = new Map<string, number>();
    for (const result of results) {
      const reason = result.problems[0]?.code ?? '';
      const key = `${result.kind}\u0000${result.state.toLowerCase()}\u0000${reason}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const objects = this.#instruments.objects;
    objects.reset();
    for (const [key, count] of counts) objects.labels(...key.split('\u0000')).set(count);
  }

  /** A status or Event write to the API server ended with `outcome` (`ok`, `conflict`, `error`). */
  statusWrite(outcome: string): void {
    this.#instruments.statusWrites.labels(outcome).inc();
  }

  /** A watch of `kind` restarted after an error. */
  watchRestart(kind: string): void {
    this.#instruments.watchRestarts.labels(kind).inc();
  }

  /** Whether this process leads (and writes status). */
  setLeader(leader: boolean): void {
    this.#instruments.leader.set(leader ? 1 : 0);
  }
}
