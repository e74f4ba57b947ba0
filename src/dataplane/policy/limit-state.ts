import type { IpAddress } from '../../ir/index.ts';
import { KEY_WORDS, RateTable } from './rate-table.ts';

/**
 * The most (zone, client) pairs a proxy keeps limit state for, all zones together, in each of
 * its two tables (rates, requests in flight): about 62 bytes an entry in typed arrays, some 6 MB
 * a table, allocated on first use. Past it the least recently seen client's rate bucket is forgotten
 * and starts afresh, as nginx forgets the oldest states of a full `limit_req_zone`; an in-flight
 * count above zero is never forgotten, and with the table full of them a new client is refused
 * (as nginx's `limit_conn` answers its status when its zone is full).
 */
export const DEFAULT_LIMIT_ENTRIES = 100_000;

/** One zone a request is counted in: nginx's `limit_req zone=... burst=... nodelay`. */
export interface RequestZone {
  /** The zone (and kind of limit), from {@link LimitState.zoneId}. */
  readonly zone: number;
  /** Requests per second the bucket drains at. */
  readonly perSecond: number;
  /** Requests over the rate let through at once. */
  readonly burst: number;
}

/** A client address as the five key words after the zone: family, then the address bits. */
export function clientWords(address: IpAddress | undefined): Int32Array {
  const words = new Int32Array(KEY_WORDS - 1);
  if (address === undefined) return words;
  words[0] = address.family;
  const { bytes } = address;
  for (let i = 0; i < bytes.length; i++) {
    const word = 1 + (i >> 2);
    words[word] = ((words[word] as number) << 8) | (bytes[i] as number);
  }
  return words;
}

/**
 * The per-client limit counters of one proxy (per replica, as ingress-nginx's zones are per
 * nginx): leaky buckets for request rates and counts of requests in flight, each in a
 * fixed-size table ({@link RateTable}). The clock is injected so that tests never sleep.
 */
export class LimitState {
  /** Made on first use: a process whose routes have no limits never fills their pages. */
  #ratesTable: RateTable | null = null;
  #countsTable: RateTable | null = null;
  /** Entries of #counts above zero (the pinned ones). */
  #busy = 0;
  /** Bumped by {@link clear}, so that a release from before it changes nothing after. */
  #generation = 0;
  readonly #zones = new Map<string, number>();
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #key = new Int32Array(KEY_WORDS);

  constructor(options: { readonly capacity?: number; readonly now?: () => number } = {}) {
    this.#capacity = options.capacity ?? DEFAULT_LIMIT_ENTRIES;
    RateTable.checkCapacity(this.#capacity);
    this.#now = options.now ?? (() => performance.now());
  }

  get #rates(): RateTable {
    return (this.#ratesTable ??= new RateTable(this.#capacity));
  }

  get #counts(): RateTable {
    return (this.#countsTable ??= new RateTable(this.#capacity));
  }

  /** Clients with rate state (never more than the capacity). */
  get bucketCount(): number {
    return this.#ratesTable?.size ?? 0;
  }

  /** Clients with a request in flight on some zone. */
  get inFlightCount(): number {
    return this.#busy;
  }

  /**
   * A number for a zone name (`namespace/name` and the kind of limit). Zones come from the
   * route tables, never from clients; a table of more zones than the limit's capacity (which
   * no real one has) starts numbering afresh rather than grow.
   */
  zoneId(name: string): number {
    let id = this.#zones.get(name);
    if (id === undefined) {
      if (this.#zones.size >= this.#capacity) this.#zones.clear();
      id = this.#zones.size + 1;
      this.#zones.set(name, id);
    }
    return id;
  }

  /**
   * Counts a request in every zone, as nginx's `limit_req` with `nodelay`: a client's first
   * request starts its bucket empty; each next one adds 1 to what is left after draining at
   * the rate (never below 0, as nginx clamps), and is refused when that is over the burst.
   * Refused in one zone, the request is counted in none (nginx accounts the earlier zones only
   * once the last one passes). Buckets are never pinned: a full table forgets the least
   * recently used one, which then starts afresh, as nginx's limit_req does with the oldest
   * states of a full zone (a forgotten bucket only lets its client start a fresh burst, while
   * a forgotten in-flight count would let it exceed `limit-connections` for good).
   */
  takeRequest(client: Int32Array, zones: readonly RequestZone[]): boolean {
    const now = this.#now();
    const key = this.#key;
    key.set(client, 1);
    const excess: number[] = [];
    for (const zone of zones) {
      key[0] = zone.zone;
      const entry = this.#rates.find(key);
      const next =
        entry < 0
          ? 0
          : Math.max(
              0,
              this.#rates.excessOf(entry) -
                (zone.perSecond * (now - this.#rates.lastOf(entry))) / 1000 +
                1,
            );
      if (next > zone.burst) return false;
      excess.push(next);
    }
    zones.forEach((zone, index) => {
      key[0] = zone.zone;
      const entry = this.#rates.find(key);
      const value = excess[index] as number;
      if (entry < 0) this.#rates.insert(key, value, now);
      else this.#rates.update(entry, value, now);
    });
    return true;
  }

  /**
   * Counts a request in flight, as nginx's `limit_conn`: undefined when the client already has
   * `limit` in the zone, or when the client has no count yet and every entry of the table is
   * held by a client with requests in flight (nginx's limit_conn answers its status when its
   * zone is full); else the release to call when the request ends, which only counts once
   * however often it runs. Counts live in a second fixed-size table, like the rates. A count
   * above zero is pinned there, out of the LRU list, so a flood of distinct clients cannot
   * evict it and reset the limit; a count back at zero is re-linked as the most recently used
   * and stays until newer entries make way, so a flood allocates nothing that lasts.
   */
  acquire(zone: number, client: Int32Array, limit: number): (() => void) | undefined {
    const key = this.#key;
    key[0] = zone;
    key.set(client, 1);
    const counts = this.#counts;
    let entry = counts.find(key);
    const count = entry < 0 ? 0 : counts.excessOf(entry);
    if (count >= limit) return undefined;
    if (entry >= 0) {
      counts.update(entry, count + 1, 0);
    } else {
      entry = counts.insert(key, 1, 0);
      if (entry < 0) return undefined;
    }
    if (count === 0) {
      counts.pin(entry);
      this.#busy++;
    }
    // A pinned entry keeps its number until its count is back at zero, and this slot holds it
    // above zero until released: the number is safe to keep (unless the state is cleared).
    const generation = this.#generation;
    const held = entry;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (generation !== this.#generation) return;
      const left = counts.excessOf(held) - 1;
      if (left < 0) return;
      counts.update(held, left, 0);
      if (left === 0) {
        counts.unpin(held);
        this.#busy--;
      }
    };
  }

  /** Forgets everything (the proxy is closing). */
  clear(): void {
    this.#ratesTable?.clear();
    this.#countsTable?.clear();
    this.#busy = 0;
    this.#generation++;
    this.#zones.clear();
  }
}
