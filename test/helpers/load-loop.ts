import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';

/** One request of a {@link runLoad} run. */
export interface LoadResult {
  /** Date.now() when it was sent. */
  readonly sentAt: number;
  /** Milliseconds until the whole answer arrived (or the error). */
  readonly ms: number;
  /** 0 when the request failed without an answer. */
  readonly status: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  readonly port: number;
  readonly host: string;
  /** Clients, each sending its next request when its previous one is done. */
  readonly concurrency: number;
  /** The run stops sending after this long… */
  readonly durationMs: number;
  /** …or after this many requests in all, whichever comes first. */
  readonly maxRequests: number;
  /** A pause between a client's requests (none by default). */
  readonly pauseMs?: number;
  /** Per request; 10 s by default. */
  readonly timeoutMs?: number;
}

/** A running load: `stop()` ends it early; `done` resolves with every request's result. */
export interface Load {
  readonly results: LoadResult[];
  readonly done: Promise<LoadResult[]>;
  stop(): void;
}

/**
 * Steady GET load on 127.0.0.1:port with keep-alive clients (an undici Agent, as a service
 * calling through the ingress would), bounded in time and count. Each result is kept, so that
 * a test can look at failures and latencies around the moment something broke.
 */
export function runLoad(options: LoadOptions): Load {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: options.concurrency });
  const results: LoadResult[] = [];
  const deadline = Date.now() + options.durationMs;
  const state = { stopped: false };
  let sent = 0;
  const client = async (index: number): Promise<void> => {
    while (!state.stopped && Date.now() < deadline && sent < options.maxRequests) {
      sent++;
      results.push(await timedGet(agent, options, `/c${String(index)}`));
      if (options.pauseMs !== undefined) await delay(options.pauseMs);
    }
  };
  const clients = Array.from({ length: options.concurrency }, (_, index) => client(index));
  return loadOf(results, agent, state, Promise.all(clients));
}

/** Requests without a 200 among `results`. */
export function failuresOf(results: readonly LoadResult[]): LoadResult[] {
  return results.filter((result) => result.status !== 200);
}

/** Options of {@link runFixedRateLoad}. */
export interface FixedRateOptions {
  readonly port: number;
  readonly host: string;
  /** Requests started per second, whether or not the earlier ones are done. */
  readonly ratePerSecond: number;
  /** The run stops starting requests after this long… */
  readonly durationMs: number;
  /** …or after this many requests in all, whichever comes first. */
  readonly maxRequests: number;
  /** Per request; 10 s by default. */
  readonly timeoutMs?: number;
}

/**
 * Open-loop GET load on 127.0.0.1:port: request i starts at i / rate seconds, however many are
 * still waiting, as independent callers would send them. Unlike {@link runLoad} (where each
 * client waits for its answer, so a stalled endpoint soon holds every client), a stall here
 * holds only the requests that reach it, so their count measures what the stall costs.
 * Requests that start late (a busy event loop) are sent at once rather than dropped.
 */
export function runFixedRateLoad(options: FixedRateOptions): Load {
  // No connection limit: a request must never wait for another one's connection.
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const results: LoadResult[] = [];
  const intervalMs = 1000 / options.ratePerSecond;
  const start = performance.now();
  const state = { stopped: false };
  const pending: Promise<void>[] = [];
  const schedule = async (): Promise<void> => {
    for (let index = 0; index < options.maxRequests && !state.stopped; index++) {
      const due = start + index * intervalMs;
      if (due - start >= options.durationMs) break;
      const wait = due - performance.now();
      if (wait > 0) await delay(wait);
      pending.push(
        timedGet(agent, options, `/r${String(index)}`).then((result) => {
          results.push(result);
        }),
      );
    }
  };
  return loadOf(
    results,
    agent,
    state,
    schedule().then(async () => Promise.all(pending)),
  );
}

/** One GET through `agent`, timed; status 0 when it failed without an answer. */
async function timedGet(
  agent: Agent,
  options: { readonly port: number; readonly host: string; readonly timeoutMs?: number },
  path: string,
): Promise<LoadResult> {
  const sentAt = Date.now();
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const status = await request(`http://127.0.0.1:${String(options.port)}${path}`, {
    dispatcher: agent,
    headers: { host: options.host },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  })
    .then(async (reply) => {
      await reply.body.dump();
      return reply.statusCode;
    })
    .catch(() => 0);
  return { sentAt, ms: performance.now() - started, status };
}

/** The Load of `work`: its results so far, done once `work` ends and the agent is closed. */
function loadOf(
  results: LoadResult[],
  agent: Agent,
  state: { stopped: boolean },
  work: Promise<unknown>,
): Load {
  const done = work.then(async () => {
    await agent.close();
    return results;
  });
  return {
    results,
    done,
    stop: () => {
      state.stopped = true;
    },
  };
}
