import { createHash } from 'node:crypto';
import type { Backend, Endpoint } from '../../ir/index.ts';

/** Points each endpoint (or subset) holds on the ring: enough to spread keys within a few %. */
const POINTS_PER_NODE = 160;

/**
 * A consistent hash ring (ketama): each node holds {@link POINTS_PER_NODE} points, placed by
 * MD5 of its name, and a key goes to the node of the first point at or after the key's hash.
 * Nodes are placed by name, not by position, so adding or removing one endpoint moves only the
 * keys of its own arcs (about 1/N of them) and the order of the endpoint list does not matter.
 * Chosen over jump hash, which moves keys only when the last bucket changes (Pods come and go
 * in any order), and over Maglev, whose table moves a few more keys than 1/N for no gain at
 * these sizes.
 */
export class HashRing {
  readonly #points: Uint32Array;
  readonly #owners: Uint32Array;

  /** `nodes`: distinct names; the index of a name is what {@link find} returns. */
  constructor(nodes: readonly string[]) {
    const placed: [number, number][] = [];
    nodes.forEach((node, owner) => {
      for (let i = 0; i < POINTS_PER_NODE / 4; i++) {
        const digest = createHash('md5')
          .update(`${node}-${String(i)}`)
          .digest();
        for (let j = 0; j < 4; j++) placed.push([digest.readUInt32LE(j * 4), owner]);
      }
    });
    // Ties (rare) go to the node that sorts first by name, whatever the order of `nodes`.
    placed.sort(([a, x], [b, y]) => a - b || ((nodes[x] ?? '') < (nodes[y] ?? '') ? -1 : 1));
    this.#points = Uint32Array.from(placed, ([point]) => point);
    this.#owners = Uint32Array.from(placed, ([, owner]) => owner);
  }

  /** The index of the node that owns `hash`; -1 on an empty ring. */
  find(hash: number): number {
    const points = this.#points;
    if (points.length === 0) return -1;
    let low = 0;
    let high = points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((points[mid] as number) < hash) low = mid + 1;
      else high = mid;
    }
    return this.#owners[low === points.length ? 0 : low] as number;
  }
}

/** A 32-bit hash of a key: FNV-1a over its UTF-16 code units, then murmur3's finaliser. */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

interface HashState {
  /** The list the ring was last checked against (a new table brings a new list). */
  endpoints: readonly Endpoint[];
  /** The endpoints' names in order: a new list with the same names keeps the ring. */
  readonly signature: string;
  readonly ring: HashRing;
  /** The endpoints of each ring node: one each, or a subset. */
  readonly nodes: readonly (readonly Endpoint[])[];
}

/** Options of {@link ConsistentHash}; `random` in [0, 1), for the pick within a subset. */
export interface ConsistentHashOptions {
  readonly random?: () => number;
}

/**
 * Picks an endpoint of a backend by the hash of a request's key, as ingress-nginx's
 * upstream-hash-by: the same key goes to the same endpoint while it is there. With a subset
 * size, as its upstream-hash-by-subset, the endpoints are cut into subsets of that size in
 * their list order (the last one filled up from the start), the key picks a subset by the ring,
 * and the request one endpoint of it at random. A ring is built when a backend's endpoint list
 * changes (a new table), never per request.
 */
export class ConsistentHash {
  readonly #random: () => number;
  readonly #states = new Map<string, HashState>();

  constructor(options: ConsistentHashOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  /** The endpoint for `key`, or undefined when the backend has none. */
  pick(backend: Backend, key: string, subsetSize?: number): Endpoint | undefined {
    const state = this.#state(backend, subsetSize);
    const node = state.nodes[state.ring.find(hashKey(key))];
    if (node === undefined) return undefined;
    return node.length === 1 ? node[0] : node[Math.floor(this.#random() * node.length)];
  }

  /** Drops the rings of backends that `isLive` no longer knows. */
  retain(isLive: (backendId: string) => boolean): void {
    for (const id of this.#states.keys()) {
      if (!isLive(id.slice(0, id.lastIndexOf('#')))) this.#states.delete(id);
    }
  }

  #state(backend: Backend, subsetSize: number | undefined): HashState {
    const id = `${backend.id}#${String(subsetSize ?? 0)}`;
    const known = this.#states.get(id);
    const endpoints = backend.endpoints;
    if (known?.endpoints === endpoints) return known;
    const names = endpoints.map(endpointName);
    const signature = names.join(' ');
    if (known?.signature === signature) {
      known.endpoints = endpoints;
      return known;
    }
    const state =
      subsetSize === undefined
        ? { ring: new HashRing(names), nodes: endpoints.map((endpoint) => [endpoint]) }
        : ringOfSubsets(endpoints, subsetSize);
    const fresh = { endpoints, signature, ...state };
    this.#states.set(id, fresh);
    return fresh;
  }
}

function ringOfSubsets(
  endpoints: readonly Endpoint[],
  size: number,
): { ring: HashRing; nodes: Endpoint[][] } {
  const nodes = subsets(endpoints, size);
  return { ring: new HashRing(nodes.map((_, i) => `set${String(i + 1)}`)), nodes };
}

function endpointName(endpoint: Endpoint): string {
  return `${endpoint.address}:${String(endpoint.port)}`;
}

function subsets(endpoints: readonly Endpoint[], size: number): Endpoint[][] {
  const count = Math.ceil(endpoints.length / size);
  const out: Endpoint[][] = [];
  for (let set = 0; set < count; set++) {
    const subset: Endpoint[] = [];
    for (let i = set * size; i < (set + 1) * size; i++) {
      subset.push(endpoints[i % endpoints.length] as Endpoint);
    }
    out.push(subset);
  }
  return out;
}
