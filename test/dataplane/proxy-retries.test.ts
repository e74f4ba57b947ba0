// proxy-next-upstream: a failed attempt goes to an endpoint the request has not tried, by the
// route's conditions, tries and time budget, and only where sending it again is safe.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Balancer } from '../../src/dataplane/index.ts';
import type { Endpoint, RetryPolicy } from '../../src/ir/index.ts';
import { send, type SendOptions } from '../helpers/http-client.ts';
import { startProxy } from '../helpers/proxy-harness.ts';
import { rawResponse, startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.ts';
import { holderWith, loopback } from '../helpers/route-table.ts';
import { closedPort } from '../helpers/closed-port.ts';

/** An upstream that counts requests and answers each with `status` (after `delayMs`), or closes. */
interface CountingUpstream extends RawUpstream {
  readonly requests: number;
}

const upstreams: RawUpstream[] = [];
after(async () => {
  await Promise.all(upstreams.map((upstream) => upstream.close()));
});

async function upstream(
  answer: 'close' | { readonly status: string; readonly body: string; readonly delayMs?: number },
): Promise<CountingUpstream> {
  let requests = 0;
  const raw = await startRawUpstream((_head, socket) => {
    requests++;
    if (answer === 'close') {
      socket.destroy();
      return;
    }
    const write = (): void => {
      if (!socket.destroyed) socket.write(rawResponse(answer.status, [], answer.body));
    };
    if (answer.delayMs === undefined) write();
    else setTimeout(write, answer.delayMs);
  });
  upstreams.push(raw);
  return Object.defineProperty(raw, 'requests', { get: () => requests }) as CountingUpstream;
}

const ok = (body = 'ok') => upstream({ status: '200 OK', body });
const unavailable = (delayMs?: number) =>
  upstream({
    status: '503 Service Unavailable',
    body: 'busy',
    ...(delayMs === undefined ? {} : { delayMs }),
  });

/** Always the backend's first endpoint: the order of attempts is the test's. */
const FIRST: Balancer = { pick: (backend) => backend.endpoints[0], retain: () => undefined };

interface Outcome {
  readonly retries: number;
  readonly reason: string | null;
}

/** A proxy whose only route has `retry` (none: the defaults) to `endpoints`. */
async function withProxy(
  endpoints: readonly Endpoint[],
  retry: RetryPolicy | undefined,
  options: { readonly balancer?: Balancer },
  run: (
    request: (options?: SendOptions) => ReturnType<typeof send>,
    outcomes: Outcome[],
  ) => Promise<void>,
): Promise<void> {
  const outcomes: Outcome[] = [];
  const proxy = await startProxy({
    tables: holderWith({
      routes: [{ backend: 'b', ...(retry === undefined ? {} : { policies: { retry } }) }],
      backends: { b: endpoints },
    }),
    observer: {
      onRequestEnd: (record) =>
        outcomes.push({ retries: record.retries, reason: record.retryReason }),
    },
    ...options,
  });
  try {
    await run(
      (sendOptions = {}) => send(proxy.port, { headers: { host: 'x.test' }, ...sendOptions }),
      outcomes,
    );
  } finally {
    await proxy.close(200);
  }
}

const POST = { method: 'POST', headers: { host: 'x.test', 'content-length': '0' } } as const;

describe('retries go to another endpoint', () => {
  test('defaults: with one of three endpoints refusing, no request fails, and it is tried at most once per request', async () => {
    const [a, b] = [await ok('a'), await ok('b')];
    const endpoints = [{ address: '127.0.0.1', port: await closedPort() }, ...loopback(a, b)];
    await withProxy(endpoints, undefined, {}, async (request, outcomes) => {
      for (let batch = 0; batch < 6; batch++) {
        const replies = await Promise.all(
          Array.from({ length: 10 }, (_, i) => request(i % 2 === 0 ? {} : POST)),
        );
        for (const reply of replies) assert.equal(reply.status, 200);
      }
      assert.equal(outcomes.length, 60);
      // Each retry is one visit to the refusing endpoint; a second would be a second retry.
      assert.ok(
        outcomes.every((outcome) => outcome.retries <= 1),
        JSON.stringify(outcomes),
      );
      const retried = outcomes.filter((outcome) => outcome.retries === 1);
      assert.ok(retried.length > 0, 'the refusing endpoint was never picked');
      assert.ok(retried.every((outcome) => outcome.reason === 'PM_ERR_UPSTREAM_CONNECT'));
      assert.equal(a.requests + b.requests, 60);
    });
  });

  test('http_503: a 503 is discarded and the request sent to another endpoint', async () => {
    const [busy, fine] = [await unavailable(), await ok()];
    await withProxy(
      loopback(busy, fine),
      { on: ['http_503'] },
      { balancer: FIRST },
      async (request, outcomes) => {
        const reply = await request();
        assert.equal(reply.status, 200);
        assert.equal(reply.body, 'ok');
        assert.deepEqual(outcomes, [{ retries: 1, reason: 'http_503' }]);
        assert.deepEqual([busy.requests, fine.requests], [1, 1]);
      },
    );
  });

  test('without http_503 (the defaults) the 503 is relayed', async () => {
    const [busy, fine] = [await unavailable(), await ok()];
    await withProxy(loopback(busy, fine), undefined, { balancer: FIRST }, async (request) => {
      const reply = await request();
      assert.equal(reply.status, 503);
      assert.equal(reply.body, 'busy');
      assert.deepEqual([busy.requests, fine.requests], [1, 0]);
    });
  });

  test('http_503 on every endpoint: each is asked once, and the last 503 is relayed', async () => {
    const [one, two] = [await unavailable(), await unavailable()];
    await withProxy(loopback(one, two), { on: ['http_503'], tries: 5 }, {}, async (request) => {
      const reply = await request();
      assert.equal(reply.status, 503);
      assert.equal(reply.body, 'busy');
      assert.deepEqual([one.requests, two.requests], [1, 1]);
    });
  });

  test('a POST the upstream may have received is retried only with non_idempotent', async () => {
    const [closer, fine] = [await upstream('close'), await ok()];
    await withProxy(loopback(closer, fine), undefined, { balancer: FIRST }, async (request) => {
      const reply = await request(POST);
      assert.equal(reply.status, 502);
      assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_CONNECT');
      assert.deepEqual([closer.requests, fine.requests], [1, 0]);
    });
    await withProxy(
      loopback(closer, fine),
      { on: ['error', 'non_idempotent'] },
      { balancer: FIRST },
      async (request, outcomes) => {
        const reply = await request(POST);
        assert.equal(reply.status, 200);
        assert.deepEqual(outcomes, [{ retries: 1, reason: 'PM_ERR_UPSTREAM_CONNECT' }]);
        assert.deepEqual([closer.requests, fine.requests], [2, 1]);
      },
    );
  });

  test('a request with a body is never retried, even with non_idempotent', async () => {
    const [closer, fine] = [await upstream('close'), await ok()];
    await withProxy(
      loopback(closer, fine),
      { on: ['error', 'non_idempotent'] },
      { balancer: FIRST },
      async (request) => {
        const reply = await request({ method: 'PUT', headers: { host: 'x.test' }, body: 'data' });
        assert.equal(reply.status, 502);
        assert.deepEqual([closer.requests, fine.requests], [1, 0]);
      },
    );
  });

  test('tries counts every attempt: 2 stops after two, the default after three', async () => {
    const closers = [await upstream('close'), await upstream('close'), await upstream('close')];
    const total = (): number => closers.reduce((sum, closer) => sum + closer.requests, 0);
    await withProxy(loopback(...closers), { tries: 2 }, {}, async (request, outcomes) => {
      const reply = await request();
      assert.equal(reply.status, 502);
      assert.equal(total(), 2);
      assert.equal(outcomes[0]?.retries, 1);
    });
    await withProxy(loopback(...closers), undefined, {}, async (request) => {
      await request();
      assert.equal(total(), 5);
      assert.ok(closers.every((closer) => closer.requests <= 2));
    });
  });

  test('off: never retried', async () => {
    const [closer, fine] = [await upstream('close'), await ok()];
    await withProxy(loopback(closer, fine), { on: [] }, { balancer: FIRST }, async (request) => {
      assert.equal((await request()).status, 502);
      assert.deepEqual([closer.requests, fine.requests], [1, 0]);
    });
  });

  test('the time budget: no attempt starts after it', async () => {
    const slow = [await unavailable(400), await unavailable(400), await unavailable(400)];
    const total = (): number => slow.reduce((sum, one) => sum + one.requests, 0);
    await withProxy(
      loopback(...slow),
      { on: ['http_503'], tries: 0, timeoutMs: 600 },
      {},
      async (request) => {
        const reply = await request();
        assert.equal(reply.status, 503);
        // Started at 0 and about 400 ms; at about 800 ms the budget had run out.
        assert.equal(total(), 2);
      },
    );
    await withProxy(loopback(...slow), { on: ['http_503'], tries: 0 }, {}, async (request) => {
      await request();
      assert.equal(total(), 5);
    });
  });
});
