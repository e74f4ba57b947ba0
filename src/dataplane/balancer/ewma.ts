import type { Backend, Endpoint } from '../../ir/index.ts';

/** How fast what was learned fades, as ingress-nginx's ewma.lua: e^-1 in 10 seconds. */
export const EWMA_DECAY_MS = 10_000;

/** What a failed attempt counts as: a response that took this long. */
export const EWMA_FAILURE_PENALTY_MS = 10_000;

interface Score {
  /** Milliseconds, as of `at`. */
  value: number;
  at: number;
}

interface BackendScores {
  /** The list the scores were last brought in line with (a new table brings a new list). */
  endpoints: readonly Endpoint[];
  readonly scores: Map<string, Score>;
}

/** Options of {@link Ewma}: the clock (milliseconds) and the source of randomness in [0, 1). */
export interface EwmaOptions {
  readonly now?: () => number;
  readonly random?: () => number;
}

/**
 * Peak EWMA (as Finagle's PeakEwma, which ingress-nginx's `ewma` balancer follows) of the time
 * each endpoint takes to answer with response headers. A slower answer than the current score
 * takes its place at once (peak); the score otherwise moves towards each new sample and, as
 * time passes without samples, towards 0 with a decay time of {@link EWMA_DECAY_MS}, so an
 * endpoint that was slow is tried again later. A failure counts as
 * {@link EWMA_FAILURE_PENALTY_MS}. A pick draws two distinct endpoints at random and takes the
 * one with the lower score (the power of two choices), so that no single best endpoint takes
 * every request. An endpoint that appears when others have scores starts at their average (as
 * ingress-nginx's slow start), one never measured at 0.
 */
export class Ewma {
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #backends = new Map<string, BackendScores>();

  constructor(options: EwmaOptions = {}) {
    this.#now = options.now ?? performance.now.bind(performance);
    this.#random = options.random ?? Math.random;
  }

  /** The endpoint for the next request, or undefined when the backend has none. */
  pick(backend: Backend): Endpoint | undefined {
    const endpoints = backend.endpoints;
    const count = endpoints.length;
    if (count < 2) return endpoints[0];
    const scores = this.#scoresOf(backend);
    const first = Math.floor(this.#random() * count);
    const second = (first + 1 + Math.floor(this.#random() * (count - 1))) % count;
    const a = endpoints[first] as Endpoint;
    const b = endpoints[second] as Endpoint;
    const now = this.#now();
    return this.#score(scores, b, now) < this.#score(scores, a, now) ? b : a;
  }

  /**
   * Notes how an attempt on an endpoint went: the milliseconds to its response headers, or
   * null when it failed. Only backends picked by this balancer keep scores.
   */
  observe(backend: Backend, endpoint: Endpoint, ms: number | null): void {
    const scores = this.#backends.get(backend.id)?.scores;
    if (scores === undefined) return;
    const key = keyOf(endpoint);
    const now = this.#now();
    const sample = ms === null ? EWMA_FAILURE_PENALTY_MS : Math.max(0, ms);
    const score = scores.get(key);
    if (score === undefined) {
      scores.set(key, { value: sample, at: now });
      return;
    }
    const weight = Math.exp(-Math.max(0, now - score.at) / EWMA_DECAY_MS);
    const decayed = score.value * weight;
    score.value = sample > decayed ? sample : decayed + sample * (1 - weight);
    score.at = now;
  }

  /** The score of an endpoint now, in milliseconds (for tests and debugging). */
  scoreOf(backend: Backend, endpoint: Endpoint): number | undefined {
    const score = this.#backends.get(backend.id)?.scores.get(keyOf(endpoint));
    return score === undefined ? undefined : decay(score, this.#now());
  }

  /** Drops the scores of backends that `isLive` no longer knows. */
  retain(isLive: (backendId: string) => boolean): void {
    for (const id of this.#backends.keys()) if (!isLive(id)) this.#backends.delete(id);
  }

  #score(scores: Map<string, Score>, endpoint: Endpoint, now: number): number {
    const score = scores.get(keyOf(endpoint));
    return score === undefined ? 0 : decay(score, now);
  }

  #scoresOf(backend: Backend): Map<string, Score> {
    const known = this.#backends.get(backend.id);
    if (known === undefined) {
      const scores = new Map<string, Score>();
      this.#backends.set(backend.id, { endpoints: backend.endpoints, scores });
      return scores;
    }
    if (known.endpoints !== backend.endpoints) this.#catchUp(known, backend.endpoints);
    return known.scores;
  }

  /** Forgets endpoints that are gone and starts new ones at the average of the others. */
  #catchUp(known: BackendScores, endpoints: readonly Endpoint[]): void {
    known.endpoints = endpoints;
    const live = new Set(endpoints.map(keyOf));
    for (const key of known.scores.keys()) if (!live.has(key)) known.scores.delete(key);
    if (known.scores.size === 0) return;
    const now = this.#now();
    let total = 0;
    for (const score of known.scores.values()) total += decay(score, now);
    const average = total / known.scores.size;
    for (const key of live) {
      if (!known.scores.has(key)) known.scores.set(key, { value: average, at: now });
    }
  }
}

function decay(score: Score, now: number): number {
  return score.value * Math.exp(-Math.max(0, now - score.at) / EWMA_DECAY_MS);
}

function keyOf(endpoint: Endpoint): string {
  return `${endpoint.address}:${String(endpoint.port)}`;
}
