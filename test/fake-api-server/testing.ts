import assert from 'node:assert/strict';
import type { FakeApiServer } from './server.ts';

/** A parsed JSON answer. */
export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/** Sends one request to the fake and parses the JSON answer (bounded to 10 s). */
export async function call(
  server: FakeApiServer,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<ApiAnswer> {
  const init: RequestInit = { method, signal: AbortSignal.timeout(10_000) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': contentType };
  }
  const response = await fetch(server.url + path, init);
  const text = await response.text();
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  assert.equal(typeof parsed, 'object');
  return {
    status: response.status,
    headers: response.headers,
    body: parsed as Record<string, unknown>,
  };
}

/** One event of a watch stream. */
export interface WatchEvent {
  readonly type: string;
  readonly object: {
    readonly kind?: string;
    readonly metadata: {
      readonly name?: string;
      readonly resourceVersion?: string;
      readonly annotations?: Record<string, string>;
    };
    readonly [key: string]: unknown;
  };
}

/** An open watch, read one event at a time. */
export interface WatchStream {
  readonly status: number;
  readonly headers: Headers;
  /** The next event, or `undefined` when the stream ended; fails after `ms` (default 5 s). */
  next(ms?: number): Promise<WatchEvent | undefined>;
  /** Events until the stream ends (bounded by `ms`). */
  rest(ms?: number): Promise<WatchEvent[]>;
  close(): void;
}

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
  });
  return Promise.race([promise, expiry]).finally(() => {
    clearTimeout(timer);
  });
}

/** Opens a watch (`path` with its query) and returns a line reader over it. */
export async function openWatch(server: FakeApiServer, path: string): Promise<WatchStream> {
  const controller = new AbortController();
  const response = await deadline(
    fetch(server.url + path, { signal: controller.signal }),
    5000,
    'watch headers',
  );
  const reader = response.body?.getReader();
  assert.ok(reader);
  const decoder = new TextDecoder();
  let buffer = '';
  let ended = false;
  const readLine = async (): Promise<string | undefined> => {
    for (;;) {
      const newline = buffer.indexOf('\n');
      if (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        return line;
      }
      if (ended) return undefined;
      const chunk = await reader.read();
      if (chunk.done) ended = true;
      else buffer += decoder.decode(chunk.value as Uint8Array, { stream: true });
    }
  };
  const next = async (ms = 5000): Promise<WatchEvent | undefined> => {
    const line = await deadline(readLine(), ms, 'a watch event');
    return line === undefined ? undefined : (JSON.parse(line) as WatchEvent);
  };
  return {
    status: response.status,
    headers: response.headers,
    next,
    rest: async (ms = 5000) => {
      const events: WatchEvent[] = [];
      for (let event = await next(ms); event; event = await next(ms)) events.push(event);
      return events;
    },
    close: () => {
      controller.abort();
    },
  };
}

/** The next `count` events of a watch; fails if it ends first. */
export async function take(watch: WatchStream, count: number): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  for (let i = 0; i < count; i++) {
    const event = await watch.next();
    assert.ok(event, `the watch ended after ${i} of ${count} events`);
    events.push(event);
  }
  return events;
}

/** `TYPE name` for each event, for compact assertions. */
export function names(events: readonly WatchEvent[]): string[] {
  return events.map((event) => `${event.type} ${event.object.metadata.name ?? ''}`);
}

/** An Ingress body for tests. */
export function ingress(
  name: string,
  namespace = 'default',
  labels: Record<string, string> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace, labels },
    spec: { rules: [{ host: `${name}.example.com` }] },
  };
}

/** Waits (bounded, no fixed sleep) until `condition` holds, checking on each turn of the event loop. */
export async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
