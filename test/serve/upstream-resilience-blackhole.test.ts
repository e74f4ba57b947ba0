// Upstream resilience (issue 13) through `pointsman serve`, part two: a black-holed endpoint
// (connects hang) costs at most one connect timeout per ejection period, and before its first
// ejection the slow-connect rule keeps most requests off it; requests with a body are never
// sent twice, and bad resilience flags are usage errors naming the flag.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { failuresOf, runFixedRateLoad, type LoadResult } from '../helpers/load-loop.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import {
  startUnacceptingListener,
  type UnacceptingListener,
} from '../helpers/unaccepting-listener.ts';

const BASE_EJECTION_MS = 2_000;
const CONNECT_TIMEOUT_MS = 1_000;
/** The default `--outlier-slow-connect`. */
const SLOW_CONNECT_MS = 250;
/** A request this slow waited for a connect timeout (the others take milliseconds). */
const SLOW_MS = CONNECT_TIMEOUT_MS * 0.9;
/**
 * A request sent before the first ejection that was still waiting this close to it was held by
 * the black hole (the ejection cancels the connects waiting there; the retries answer in ms).
 */
const HELD_MS = 20;
/** Load on the echoes alone first, so that start-up (JIT, first connections) is not measured. */
const WARM_MS = 1_000;
/**
 * The connect timeout, then a retry elsewhere and some scheduling. The margin is wide because
 * the ejection releases some 40 requests at once, on a 2-core machine that also runs the rest of
 * the suite and three serve processes here: their retries took up to ~300 ms there. The timer's
 * own precision is pinned by cancellable-connector.test.ts.
 */
const MAX_LATENCY_MS = CONNECT_TIMEOUT_MS + 500;
/** Open loop: requests per second, whatever the answers take. */
const RATE = 200;
const LOAD_MS = 8_000;
/** The black hole is one of the three endpoints of its service. */
const HOLE_SHARE = 1 / 3;
/** Over the expected count, for a loaded machine (the ejection itself comes up to ~60 ms late). */
const HELD_MARGIN = 3;
const NON_IDEMPOTENT = 'nonidem.example.com';

const FLAGS = [
  '--outlier-base-ejection-time',
  `${String(BASE_EJECTION_MS / 1000)}s`,
  '--outlier-max-ejection-time',
  '4s',
  '--connect-timeout',
  `${String(CONNECT_TIMEOUT_MS / 1000)}s`,
];

/**
 * Upstreams that note the id (`x-id`) of each request whose whole body they received: one that
 * then drops the connection without answering, one that answers. An id seen twice was sent
 * twice.
 */
interface BodyUpstreams {
  readonly dropper: Server;
  readonly answerer: Server;
  /** Per id: how many times a whole body with that id arrived, across both upstreams. */
  readonly seen: Map<string, number>;
  readonly dropped: () => number;
}

async function startBodyUpstreams(): Promise<BodyUpstreams> {
  const seen = new Map<string, number>();
  let dropped = 0;
  const note = (id: string): void => {
    seen.set(id, (seen.get(id) ?? 0) + 1);
  };
  const dropper = createServer((req) => {
    req.resume();
    req.on('end', () => {
      note(String(req.headers['x-id']));
      dropped++;
      req.socket.destroy();
    });
  });
  const answerer = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      note(String(req.headers['x-id']));
      res.end('ok');
    });
  });
  for (const server of [dropper, answerer]) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }
  return { dropper, answerer, seen, dropped: () => dropped };
}

const portOf = (server: Server): number => (server.address() as AddressInfo).port;

/** What the black hole cost one serve process under {@link RATE} requests a second. */
interface HoleCost {
  readonly name: string;
  readonly requests: number;
  readonly failures: number;
  readonly max: number;
  /** Unix ms of the first 'endpoint ejected' of the black hole, null when none. */
  readonly firstEjection: number | null;
  readonly firstReason: unknown;
  /**
   * Requests sent before the first ejection, still waiting {@link HELD_MS} before it and
   * having waited that long.
   */
  readonly heldBefore: number;
  /** Requests sent after the first ejection that waited {@link SLOW_MS} or more. */
  readonly slowAfter: number;
  /** Whole base ejection periods from the first ejection to the last request sent. */
  readonly periods: number;
  /** Every figure, for the `# figures:` line and the assertion messages. */
  readonly summary: string;
}

function costOf(
  name: string,
  process: ServeProcess,
  results: readonly LoadResult[],
  holePort: number,
): HoleCost {
  const holeKey = `127.0.0.1:${String(holePort)}`;
  const ejected = process.logs.filter(
    (entry) => entry['msg'] === 'endpoint ejected' && entry['endpoint'] === holeKey,
  );
  const ejectedAt = ejected.map((entry) => Date.parse(String(entry['time'])));
  const firstEjection = ejectedAt[0] ?? null;
  const first = Math.min(...results.map((r) => r.sentAt));
  const last = Math.max(...results.map((r) => r.sentAt));
  const latencies = results.map((r) => r.ms).sort((x, y) => x - y);
  const max = latencies.at(-1) ?? 0;
  const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
  const before = (r: LoadResult): boolean => firstEjection === null || r.sentAt < firstEjection;
  // Waited HELD_MS too: a request answered by an echo just before the ejection is not held.
  const held = results.filter(
    (r) => before(r) && r.ms >= HELD_MS && r.sentAt + r.ms >= (firstEjection ?? Infinity) - HELD_MS,
  );
  const heldSent = held.map((r) => r.sentAt - first);
  const slowAfter = results.filter((r) => !before(r) && r.ms >= SLOW_MS);
  const slow = results.filter((r) => r.ms >= SLOW_MS);
  const periods =
    firstEjection === null ? 0 : Math.floor((last - firstEjection) / BASE_EJECTION_MS);
  const at = (r: LoadResult): string => `${String(r.sentAt - first)}/${String(Math.round(r.ms))}`;
  const failures = failuresOf(results).length;
  const summary =
    `requests ${String(results.length)}, failures ${String(failures)}, ` +
    `max ${String(Math.round(max))} ms, p99 ${p99.toFixed(1)} ms, ` +
    `ejections ${String(ejected.length)} (${ejected.map((e) => String(e['reason'])).join(',')}) ` +
    `at +${ejectedAt.map((time) => String(time - first)).join(',+')} ms, ` +
    `held until the first ejection ${String(held.length)} (sent from +${String(Math.min(...heldSent))} to +${String(Math.max(...heldSent))} ms), ` +
    `over ${String(SLOW_MS)} ms after it ${String(slowAfter.length)} in ${String(periods)} periods, ` +
    `over ${String(SLOW_MS)} ms in all ${String(slow.length)} (sent at +ms/took ms: ${slow.map(at).join(' ')})`;
  console.log(`# figures: black hole, ${name}: ${summary}`);
  return {
    name,
    requests: results.length,
    failures,
    max,
    firstEjection,
    firstReason: ejected[0]?.['reason'],
    heldBefore: held.length,
    slowAfter: slowAfter.length,
    periods,
    summary,
  };
}

describe('serve: upstream resilience (black hole, bodies, flags)', () => {
  let dir: string;
  let serve: ServeProcess;
  /** The same flags with the slow-connect rule off, to show what the rule saves. */
  let noSlowRule: ServeProcess;
  /** A second process with ejection off, so that the dropping endpoint keeps getting bodies. */
  let unejecting: ServeProcess;
  let hole: UnacceptingListener | null;
  let echoes: EchoUpstream[];
  let bodies: BodyUpstreams;

  before(async () => {
    hole = await startUnacceptingListener();
    echoes = [await startEchoUpstream('a'), await startEchoUpstream('b')];
    bodies = await startBodyUpstreams();
    dir = await manifestDir();
    const bodyPorts = [portOf(bodies.dropper), portOf(bodies.answerer)];
    await writeManifests(join(dir, 'all.yaml'), [
      INGRESS_CLASS,
      ingressWith({
        name: 'hole',
        hosts: ['hole.example.com'],
        paths: [{ path: '/', service: 'hole' }],
      }),
      ...serviceWithEndpoints('hole', [...echoes.map((e) => e.port), hole?.port ?? 9]),
      ingressWith({
        name: 'warm',
        hosts: ['warm.example.com'],
        paths: [{ path: '/', service: 'warm' }],
      }),
      ...serviceWithEndpoints(
        'warm',
        echoes.map((e) => e.port),
      ),
      ingressWith({
        name: 'body',
        hosts: ['body.example.com'],
        paths: [{ path: '/', service: 'body' }],
      }),
      ingressWith({
        name: 'nonidem',
        hosts: [NON_IDEMPOTENT],
        paths: [{ path: '/', service: 'body' }],
        annotations: {
          'nginx.ingress.kubernetes.io/proxy-next-upstream': 'error timeout non_idempotent',
        },
      }),
      ...serviceWithEndpoints('body', bodyPorts),
    ]);
    [serve, noSlowRule, unejecting] = await Promise.all([
      startServeProcess('serve', ['--manifests', dir, ...FLAGS]),
      startServeProcess('serve', ['--manifests', dir, ...FLAGS, '--outlier-slow-connect', '0']),
      startServeProcess('serve', [
        '--manifests',
        dir,
        ...FLAGS,
        '--outlier-consecutive-failures',
        '0',
      ]),
    ]);
  });

  after(async () => {
    await Promise.all([serve.stop(), noSlowRule.stop(), unejecting.stop()]);
    await hole?.close();
    for (const echo of echoes) await echo.close();
    for (const server of [bodies.dropper, bodies.answerer]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    }
  });

  test('a black-holed endpoint costs one connect timeout per ejection period', async (t) => {
    if (hole === null) {
      t.skip('the kernel completes every loopback handshake: no black hole possible here');
      return;
    }
    const load = (process: ServeProcess, host: string, ms: number): Promise<LoadResult[]> =>
      runFixedRateLoad({
        port: process.httpPort,
        host,
        ratePerSecond: RATE,
        durationMs: ms,
        maxRequests: Math.ceil((RATE * ms) / 1000),
      }).done;
    const warm = await Promise.all(
      [serve, noSlowRule].map((process) => load(process, 'warm.example.com', WARM_MS)),
    );
    assert.deepEqual(warm.map(failuresOf).flat(), []);
    // Both at once (the same black hole holds both processes' connects), to keep the test short.
    const [withRule, withoutRule] = await Promise.all([
      load(serve, 'hole.example.com', LOAD_MS),
      load(noSlowRule, 'hole.example.com', LOAD_MS),
    ]);
    const rule = costOf('slow-connect 250ms', serve, withRule, hole.port);
    const noRule = costOf('slow-connect off', noSlowRule, withoutRule, hole.port);
    const heldBound = Math.ceil(RATE * (SLOW_CONNECT_MS / 1000) * HOLE_SHARE * HELD_MARGIN);
    console.log(`# figures: black hole: held-before-ejection bound ${String(heldBound)}`);
    for (const cost of [rule, noRule]) {
      // (d) holds with or without the rule: the connects still waiting on the endpoint are
      // cancelled when it is ejected, and their requests retried elsewhere.
      assert.ok(cost.requests > RATE * (LOAD_MS / 1000) * 0.9, `${cost.name}: ${cost.summary}`);
      assert.equal(cost.failures, 0, `${cost.name}: ${cost.summary}`);
      assert.ok(cost.firstEjection !== null, `${cost.name}: never ejected: ${cost.summary}`);
      assert.equal(cost.firstReason, 'connect_timeout', `${cost.name}: ${cost.summary}`);
    }
    // (a) on the default settings. (Without the rule, one run in about ten under the whole
    // suite saw a second-long stall after a re-ejection; the comparison below does not need it.)
    assert.ok(rule.max <= MAX_LATENCY_MS, `${rule.name}: ${rule.summary}`);
    // (b) after the first ejection, one probe per period waits for the connect timeout.
    assert.ok(rule.slowAfter <= rule.periods + 1, `${rule.name}: ${rule.summary}`);
    // (c) before it, only the requests sent while the first connect was not yet slow wait.
    assert.ok(rule.heldBefore <= heldBound, `${rule.name}: ${rule.summary}`);
    assert.ok(
      // About 17 against 67 on an idle machine; under the whole suite both grow by the lag of
      // a loaded event loop (39 against 81 seen), so the factor is 1.5, not 4.
      rule.heldBefore * 1.5 <= noRule.heldBefore,
      `the slow-connect rule kept ${String(rule.heldBefore)} requests waiting, ` +
        `${String(noRule.heldBefore)} without it`,
    );
  });

  test('a POST or PUT with a body is never sent twice', async () => {
    const agent = new Agent({ connections: 10 });
    const statuses = new Map<number, number>();
    let sent = 0;
    try {
      for (const [process, host] of [
        [serve, 'body.example.com'],
        [serve, NON_IDEMPOTENT],
        [unejecting, 'body.example.com'],
        [unejecting, NON_IDEMPOTENT],
      ] as const) {
        const one = async (index: number): Promise<void> => {
          const id = `${host}-${String(process.httpPort)}-${String(index)}`;
          sent++;
          const reply = await request(`http://127.0.0.1:${String(process.httpPort)}/${id}`, {
            dispatcher: agent,
            method: index % 2 === 0 ? 'POST' : 'PUT',
            headers: { host, 'x-id': id, 'content-type': 'text/plain' },
            body: `body of ${id}`,
            headersTimeout: 10_000,
          });
          await reply.body.dump();
          statuses.set(reply.statusCode, (statuses.get(reply.statusCode) ?? 0) + 1);
        };
        // 10 at a time, 60 per host and process.
        for (let batch = 0; batch < 6; batch++) {
          await Promise.all(Array.from({ length: 10 }, (_, i) => one(batch * 10 + i)));
        }
      }
    } finally {
      await agent.close();
    }
    const twice = [...bodies.seen].filter(([, count]) => count > 1);
    console.log(
      `# figures: bodies: sent ${String(sent)}, reached an upstream ${String(bodies.seen.size)}, ` +
        `dropped after the body ${String(bodies.dropped())}, sent twice ${String(twice.length)}, ` +
        `statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    assert.ok(bodies.dropped() >= 20, `only ${String(bodies.dropped())} bodies dropped`);
    assert.deepEqual(twice, []);
  });

  test('a bad resilience flag value is a usage error naming the flag', async () => {
    const run = await runCli(['serve', '--manifests', dir, '--outlier-max-ejected-percent', '101']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--outlier-max-ejected-percent/);
    const duration = await runCli([
      'serve',
      '--manifests',
      dir,
      '--outlier-base-ejection-time',
      'soon',
    ]);
    assert.equal(duration.code, 2, duration.stderr);
    assert.match(duration.stderr, /--outlier-base-ejection-time/);
  });
});
