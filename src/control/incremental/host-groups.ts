import type { IngressKeys } from './ingress-keys.ts';

/**
 * Ingresses (by `namespace/name`) indexed by the keys that tie them together in translation
 * (see {@link IngressKeys}): two Ingresses are in one group when they share a host key, or one
 * has a wildcard host `*.parent` and the other an exact host under it (directly or through
 * others). What translation computes across Ingresses (conflicts, merging on a host, TLS
 * bindings, redirects, aliases, canaries, the default route) never crosses a group.
 */
export class HostGroups {
  readonly #keys = new Map<string, IngressKeys>();
  /** Ingresses by host key and by `under:` key. */
  readonly #index = new Map<string, Set<string>>();

  /** Sets (or replaces) the keys of an Ingress. */
  set(id: string, keys: IngressKeys): void {
    this.delete(id);
    this.#keys.set(id, keys);
    for (const key of [...keys.hosts, ...keys.under]) {
      let ids = this.#index.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.#index.set(key, ids);
      }
      ids.add(id);
    }
  }

  /** Forgets an Ingress. */
  delete(id: string): void {
    const keys = this.#keys.get(id);
    if (keys === undefined) return;
    this.#keys.delete(id);
    for (const key of [...keys.hosts, ...keys.under]) {
      const ids = this.#index.get(key);
      ids?.delete(id);
      if (ids?.size === 0) this.#index.delete(key);
    }
  }

  /** Every Ingress known. */
  ids(): IterableIterator<string> {
    return this.#keys.keys();
  }

  /**
   * The groups that hold the given Ingresses: each a connected set of Ingress ids. Costs in
   * proportion to the groups found, not to all Ingresses. Unknown ids are skipped.
   */
  groupsOf(seeds: Iterable<string>): string[][] {
    const seen = new Set<string>();
    // A key shared by many Ingresses (host-less rules, say) is walked once, not once per member.
    const walked = new Set<string>();
    const groups: string[][] = [];
    for (const seed of seeds) {
      if (seen.has(seed) || !this.#keys.has(seed)) continue;
      seen.add(seed);
      const group = [seed];
      for (let next = 0; next < group.length; next++) {
        for (const neighbour of this.#neighbours(group[next] ?? '', walked)) {
          if (seen.has(neighbour)) continue;
          seen.add(neighbour);
          group.push(neighbour);
        }
      }
      groups.push(group);
    }
    return groups;
  }

  *#neighbours(id: string, walked: Set<string>): Generator<string> {
    const keys = this.#keys.get(id);
    if (keys === undefined) return;
    const linked = [...keys.hosts, ...keys.wildcards];
    for (const key of keys.hosts) {
      if (key.startsWith('host:*.')) linked.push(`under:${key.slice(7)}`);
    }
    for (const key of linked) {
      if (walked.has(key)) continue;
      walked.add(key);
      yield* this.#index.get(key) ?? [];
    }
  }
}
