import type { RequestObserver, RequestRecord } from '../dataplane/index.ts';
import type { TrafficCount } from './protocol.ts';

/**
 * Counts a worker's requests per Ingress and status for the control plane's traffic history
 * (the status page): counts, not records, so what travels is bounded by the Ingresses and
 * statuses seen between two reports, whatever the request rate.
 */
export class TrafficRelay implements RequestObserver {
  #counts = new Map<string, Map<string, Map<number, number>>>();

  onRequestEnd(record: RequestRecord): void {
    let names = this.#counts.get(record.ingressNamespace);
    if (names === undefined) {
      names = new Map();
      this.#counts.set(record.ingressNamespace, names);
    }
    let statuses = names.get(record.ingressName);
    if (statuses === undefined) {
      statuses = new Map();
      names.set(record.ingressName, statuses);
    }
    statuses.set(record.status, (statuses.get(record.status) ?? 0) + 1);
  }

  /** The counts since the last call, and a fresh start. */
  drain(): TrafficCount[] {
    const counts: TrafficCount[] = [];
    for (const [namespace, names] of this.#counts) {
      for (const [name, statuses] of names) {
        for (const [status, count] of statuses) counts.push([namespace, name, status, count]);
      }
    }
    this.#counts = new Map();
    return counts;
  }
}
