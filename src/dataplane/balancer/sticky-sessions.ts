import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Backend, Endpoint } from '../../ir/index.ts';
import { endpointKey } from '../upstream/index.ts';
import { ConsistentHash } from './consistent-hash.ts';

/** How a session cookie names its endpoint (AffinityPolicy.mode). */
export type StickyMode = 'balanced' | 'persistent';

/** A new session: the cookie value and the endpoint it names. */
export interface StickySession {
  readonly value: string;
  readonly endpoint: Endpoint;
}

/** Options of {@link StickySessions}. */
export interface StickySessionsOptions {
  /**
   * The secret of persistent cookies (at least 16 bytes), the same on every replica so that
   * each one reads the others' cookies; absent: a random one for this process.
   */
  readonly key?: Uint8Array;
  /** Random bytes, for the keys of new balanced sessions and the pick of persistent ones. */
  readonly randomBytes?: (size: number) => Buffer;
}

// ingress-nginx's bound on the draws of a new balanced key that avoids failed endpoints.
const MAX_DRAWS = 20;
const PART = /^[A-Za-z0-9_-]{22}$/;
const TAG_CHARS = 8;

interface PersistentIds {
  /** The list the ids were made from (a new table brings a new list). */
  endpoints: readonly Endpoint[];
  readonly byId: Map<string, Endpoint>;
  readonly idOf: Map<string, string>;
}

/**
 * Session cookie values for sticky sessions, as ingress-nginx's sticky balancers. A value is
 * `PART.TAG`: TAG names the backend (a hash of its id, so a canary can tell its own clients),
 * PART the endpoint, without its address:
 * - balanced: PART is a random key and the endpoint the one a consistent hash ring of the
 *   backend's endpoints gives it. Every replica builds the same ring, so no secret is needed; an
 *   endpoint that goes moves only its own sessions, one that comes takes about 1/N of them.
 * - persistent: PART is an HMAC-SHA256 of the backend id and the endpoint's address under the
 *   key, so the cookie keeps its endpoint while that endpoint exists, whatever else changes.
 * A value that is not of this form, names another backend, or (persistent) no endpoint of the
 * backend is no session. State is per backend, rebuilt only when its endpoint list changes.
 */
export class StickySessions {
  readonly #key: Uint8Array;
  readonly #random: (size: number) => Buffer;
  readonly #ring = new ConsistentHash();
  readonly #persistent = new Map<string, PersistentIds>();
  readonly #tags = new Map<string, string>();

  constructor(options: StickySessionsOptions = {}) {
    this.#key = options.key ?? randomBytes(32);
    this.#random = options.randomBytes ?? randomBytes;
  }

  /** Whether `value` is a session cookie of this backend (for a canary's sticky behaviour). */
  belongsTo(backend: Backend, value: string): boolean {
    return this.#part(backend, value) !== undefined;
  }

  /** The endpoint a cookie value names in this backend, or undefined when it names none. */
  find(backend: Backend, mode: StickyMode, value: string): Endpoint | undefined {
    const part = this.#part(backend, value);
    if (part === undefined) return undefined;
    if (mode === 'balanced') return this.#ring.pick(backend, part);
    return this.#ids(backend).byId.get(part);
  }

  /**
   * A new session on an endpoint whose endpointKey is not in `avoid` (the endpoints a request
   * already failed on), or undefined when none could be found.
   */
  create(
    backend: Backend,
    mode: StickyMode,
    avoid?: ReadonlySet<string>,
  ): StickySession | undefined {
    const tag = this.#tag(backend);
    if (mode === 'balanced') {
      for (let draw = 0; draw < MAX_DRAWS; draw++) {
        const part = this.#random(16).toString('base64url');
        const endpoint = this.#ring.pick(backend, part);
        if (endpoint === undefined) return undefined;
        if (avoid?.has(endpointKey(endpoint)) !== true)
          return { value: `${part}.${tag}`, endpoint };
      }
      return undefined;
    }
    const candidates =
      avoid === undefined || avoid.size === 0
        ? backend.endpoints
        : backend.endpoints.filter((endpoint) => !avoid.has(endpointKey(endpoint)));
    if (candidates.length === 0) return undefined;
    const endpoint = candidates[this.#random(4).readUInt32LE(0) % candidates.length] as Endpoint;
    const part = this.#ids(backend).idOf.get(endpointKey(endpoint)) as string;
    return { value: `${part}.${tag}`, endpoint };
  }

  /** Drops the state of backends that `isLive` no longer knows. */
  retain(isLive: (backendId: string) => boolean): void {
    this.#ring.retain(isLive);
    for (const id of this.#persistent.keys()) if (!isLive(id)) this.#persistent.delete(id);
    for (const id of this.#tags.keys()) if (!isLive(id)) this.#tags.delete(id);
  }

  #part(backend: Backend, value: string): string | undefined {
    const dot = value.length - TAG_CHARS - 1;
    if (dot !== 22 || value.charCodeAt(dot) !== 0x2e) return undefined;
    const part = value.slice(0, dot);
    if (!PART.test(part) || value.slice(dot + 1) !== this.#tag(backend)) return undefined;
    return part;
  }

  #tag(backend: Backend): string {
    let tag = this.#tags.get(backend.id);
    if (tag === undefined) {
      tag = createHash('sha256')
        .update(`pointsman-affinity\0${backend.id}`)
        .digest()
        .subarray(0, 6)
        .toString('base64url');
      this.#tags.set(backend.id, tag);
    }
    return tag;
  }

  #ids(backend: Backend): PersistentIds {
    const known = this.#persistent.get(backend.id);
    if (known?.endpoints === backend.endpoints) return known;
    const byId = new Map<string, Endpoint>();
    const idOf = new Map<string, string>();
    for (const endpoint of backend.endpoints) {
      const name = endpointKey(endpoint);
      const id =
        known?.idOf.get(name) ??
        createHmac('sha256', this.#key)
          .update(`${backend.id}\0${name}`)
          .digest()
          .subarray(0, 16)
          .toString('base64url');
      byId.set(id, endpoint);
      idOf.set(name, id);
    }
    const fresh = { endpoints: backend.endpoints, byId, idOf };
    this.#persistent.set(backend.id, fresh);
    return fresh;
  }
}
