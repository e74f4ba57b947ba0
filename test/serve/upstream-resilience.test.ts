// Upstream resilience (issue 13) through `pointsman serve`, with real loopback upstreams under
// steady keep-alive load: an endpoint that stops listening, one that resets every second
// connection, a backend whose two endpoints both die and come back, and a rollout whose old
// endpoints stop before the manifest drops them. Each scenario prints its figures (`# figures:`)
// and asserts the issue's targets. Ejections are short (2 s base, 4 s at most) so that the
// scenarios take seconds.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { failuresOf, runLoad, type LoadResult } from '../helpers/load-loop.ts';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { ONE_WORKER, startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { until } from '../helpers/until.ts';

const BASE_EJECTION_MS = 2_000;
const MAX_EJECTION_MS = 4_000;
/** Requests in flight on an endpoint's connections fail this soon after it dies (loopback). */
const IN_FLIGHT_MS = 100;

/** An HTTP upstream that can stop listening and listen again on the same port. */
interface Upstream {
  readonly name: string;
  readonly port: number;
  readonly key: string;
  /** Requests answered since it started. */
  readonly answered: number;
  /** Stops listening and drops every connection (a Pod killed). */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  revive(): Promise<void>;
}

async function startUpstream(name: string): Promise<Upstream> {
  let answered = 0;
  let server: Server | null = null;
  let port = 0;
  const listen = async (): Promise<void> => {
    const next = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        answered++;
        res.setHeader('content-type', 'text/plain');
        res.end(name);
      });
    });
    await new Promise<void>((resolve) => next.listen(port, '127.0.0.1', resolve));
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  await listen();
  return {
    name,
    get port() {
      return port;
    },
    get key() {
      return `127.0.0.1:${String(port)}`;
    },
    get answered() {
      return answered;
    },
    kill: async () => {
      const current = server;
      server = null;
      if (current === null) return;
      const closed = new Promise<void>((resolve) =>
        current.close(() => {
          resolve();
        }),
      );
      current.closeAllConnections();
      await closed;
    },
    revive: listen,
  };
}

/** Log lines of the serve process, by their time field (unix ms). */
const at = (entry: Record<string, unknown>): number => Date.parse(String(entry['time']));

describe('serve: upstream resilience', () => {
  let dir: string;
  let serve: ServeProcess;
  const upstreams: Upstream[] = [];
  const start = async (name: string): Promise<Upstream> => {
    const upstream = await startUpstream(name);
    upstreams.push(upstream);
    return upstream;
  };
  const routeTables = (): number =>
    serve.logs.filter((entry) => entry['msg'] === 'route table live').length;
  /** Writes one scenario's Ingress and Service (its own file) and waits until it is live. */
  const publish = async (name: string, ports: readonly number[]): Promise<void> => {
    const before = routeTables();
    await writeManifests(join(dir, `${name}.yaml`), [
      ingressWith({ name, hosts: [`${name}.example.com`], paths: [{ path: '/', service: name }] }),
      ...serviceWithEndpoints(name, ports),
    ]);
    await until(() => routeTables() > before, 10_000);
  };
  const ejections = (key: string): Record<string, unknown>[] =>
    serve.logs.filter((entry) => entry['msg'] === 'endpoint ejected' && entry['endpoint'] === key);
  /**
   * Failed attempts on `key`: each one is logged with its upstream and error code, either as
   * "retrying the request" (debug) or as the error answer the client got (warn). Successful
   * attempts are not logged, but a dead endpoint has none.
   */
  const failedAttempts = (key: string): Record<string, unknown>[] =>
    serve.logs.filter((entry) => entry['upstream'] === key && entry['code'] !== undefined);

  before(async () => {
    dir = await manifestDir();
    await writeManifests(join(dir, 'class.yaml'), [INGRESS_CLASS]);
    serve = await startServeProcess('serve', [
      // One process: passive health is per worker (docs/workers.md), and these counts are exact.
      ...ONE_WORKER,
      '--manifests',
      dir,
      '--log-level',
      'debug',
      '--outlier-base-ejection-time',
      `${String(BASE_EJECTION_MS / 1000)}s`,
      '--outlier-max-ejection-time',
      `${String(MAX_EJECTION_MS / 1000)}s`,
    ]);
  });

  after(async () => {
    await serve.stop();
    for (const upstream of upstreams) await upstream.kill();
  });

  test('an endpoint that stops listening costs no request, and is tried once per ejection', async () => {
    const [a, b, dead] = [await start('kill-a'), await start('kill-b'), await start('kill-c')];
    await publish('kill', [a.port, b.port, dead.port]);
    const load = runLoad({
      port: serve.httpPort,
      host: 'kill.example.com',
      concurrency: 20,
      durationMs: 20_000,
      maxRequests: 400_000,
    });
    await delay(2_000);
    const killedAt = Date.now();
    await dead.kill();
    await delay(10_000);
    const windowEnd = Date.now();
    // Back on the same port: the next probe finds it, and it returns to rotation.
    await dead.revive();
    const revivedAt = Date.now();
    await until(
      () =>
        serve.logs.some(
          (entry) =>
            entry['msg'] === 'endpoint returned to rotation' && entry['endpoint'] === dead.key,
        ),
      MAX_EJECTION_MS + 3_000,
    );
    const returnedAfterMs = Date.now() - revivedAt;
    load.stop();
    const results = await load.done;

    const window = results.filter((r) => r.sentAt >= killedAt && r.sentAt < windowEnd);
    const failed = failuresOf(window);
    const ejected = ejections(dead.key);
    assert.ok(ejected.length > 0, 'the dead endpoint was never ejected');
    const firstEjection = at(ejected[0] ?? {});
    // Attempts sent to the dead port after it was first ejected, up to its revival: the proxy
    // logs each failed attempt with its upstream, and every attempt there failed. The requests
    // in flight on its keep-alive connections when it died fail within milliseconds of the
    // kill (and are what ejects it), so attempts failing within IN_FLIGHT_MS of the first
    // ejection were sent before it and are not counted as new ones.
    const probes = failedAttempts(dead.key).filter(
      (entry) => at(entry) > firstEjection + IN_FLIGHT_MS && at(entry) < revivedAt,
    );
    const periods = Math.floor((revivedAt - firstEjection) / BASE_EJECTION_MS);
    const ejectionsWhileDead = ejected.filter((entry) => at(entry) < revivedAt).length;
    console.log(
      `# figures: kill: requests ${String(window.length)}, failures ${String(failed.length)}, ` +
        `share ${(failed.length / Math.max(1, window.length)).toFixed(5)}, ` +
        `attempts on the dead endpoint ${String(failedAttempts(dead.key).length)} ` +
        `(${String(probes.length)} after its first ejection, ${String(periods)} base periods), ` +
        `ejection lines ${String(ejected.length)}, returned ${String(returnedAfterMs)} ms after revival, ` +
        `all requests ${String(results.length)} with ${String(failuresOf(results).length)} failures`,
    );
    for (const entry of ejected) console.log(`# ejection: ${JSON.stringify(entry)}`);

    assert.ok(window.length > 500, `only ${String(window.length)} requests in 10 s`);
    assert.ok(failed.length / window.length < 0.001, `${String(failed.length)} failed`);
    // One probe per ejection (each failed probe ejects it again), and never more than one per
    // base ejection time.
    assert.ok(probes.length <= ejectionsWhileDead, `${String(probes.length)} probes`);
    assert.ok(probes.length <= periods + 1, `${String(probes.length)} probes`);

    // The ejection line names the endpoint, its backend and the failure; the return line too.
    const first = ejected[0] ?? {};
    assert.equal(first['level'], 40);
    // Refused connects, or the resets of the requests in flight on its connections.
    assert.ok(['connect', 'reset'].includes(String(first['reason'])), String(first['reason']));
    assert.equal(first['endpoint'], dead.key);
    assert.equal(typeof first['backend'], 'string');
    assert.equal(first['backend'], 'default/kill:80');
    assert.equal(first['seconds'], BASE_EJECTION_MS / 1000);
    const returned = serve.logs.find(
      (entry) => entry['msg'] === 'endpoint returned to rotation' && entry['endpoint'] === dead.key,
    );
    assert.equal(returned?.['level'], 30);
    assert.ok(dead.answered > 0, 'the revived endpoint got no request');
  });

  test('an endpoint that resets every second connection fails no GET', async () => {
    const fine = await start('flaky-a');
    // Every response closes its connection, so that each request needs a new one, and the
    // flaky endpoint destroys every second connection it accepts before reading anything.
    let accepted = 0;
    let reset = 0;
    let answered = 0;
    const flaky = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        answered++;
        res.setHeader('connection', 'close');
        res.end('flaky');
      });
    });
    flaky.on('connection', (socket: Socket) => {
      accepted++;
      if (accepted % 2 === 0) {
        reset++;
        socket.destroy();
      }
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    try {
      await publish('flaky', [fine.port, (flaky.address() as AddressInfo).port]);
      const results = await runLoad({
        port: serve.httpPort,
        host: 'flaky.example.com',
        concurrency: 8,
        durationMs: 3_000,
        maxRequests: 3_000,
      }).done;
      const failed = failuresOf(results);
      console.log(
        `# figures: flaky: requests ${String(results.length)}, failures ${String(failed.length)}, ` +
          `flaky endpoint: connections ${String(accepted)}, reset ${String(reset)}, ` +
          `answered ${String(answered)}; ejections ${String(ejections(`127.0.0.1:${String((flaky.address() as AddressInfo).port)}`).length)}`,
      );
      assert.ok(results.length >= 200, `only ${String(results.length)} requests`);
      assert.equal(failed.length, 0);
      assert.ok(reset > 0, 'the flaky endpoint saw no attempt');
    } finally {
      flaky.closeAllConnections();
      await new Promise<void>((resolve) =>
        flaky.close(() => {
          resolve();
        }),
      );
    }
  });

  test('a backend whose two endpoints die serves again once they listen again', async () => {
    const [a, b] = [await start('pair-a'), await start('pair-b')];
    await publish('pair', [a.port, b.port]);
    const load = runLoad({
      port: serve.httpPort,
      host: 'pair.example.com',
      concurrency: 4,
      durationMs: 15_000,
      maxRequests: 20_000,
      pauseMs: 10,
    });
    await delay(1_000);
    const killedAt = Date.now();
    await Promise.all([a.kill(), b.kill()]);
    await delay(2_500);
    const revivedAt = Date.now();
    await Promise.all([a.revive(), b.revive()]);
    // Recovered: an unbroken run of 200s for a second, or the load's end.
    const recovered = (): LoadResult | undefined => {
      const after = load.results.filter((r) => r.sentAt >= revivedAt);
      const lastFailure = after.findLastIndex((r) => r.status !== 200);
      const first = after[lastFailure + 1];
      return first !== undefined && Date.now() - first.sentAt > 1_000 ? first : undefined;
    };
    await until(() => recovered() !== undefined, MAX_EJECTION_MS + 4_000).catch(() => undefined);
    load.stop();
    const results = await load.done;
    const firstOk = recovered();
    // Sent well after the kill and well before the revival (a request sent just before it may
    // reach the proxy after the upstreams listen again).
    const dead = results.filter((r) => r.sentAt > killedAt + 200 && r.sentAt < revivedAt - 200);
    const deadStatuses = [...new Set(dead.map((r) => r.status))].sort();
    const recoveryMs = firstOk === undefined ? Number.NaN : firstOk.sentAt - revivedAt;
    const firstSuccessMs =
      (results.find((r) => r.sentAt >= revivedAt && r.status === 200)?.sentAt ?? Number.NaN) -
      revivedAt;
    console.log(
      `# figures: pair: while dead ${String(dead.length)} requests, statuses ${deadStatuses.join(',')}, ` +
        `max latency ${String(Math.round(Math.max(0, ...dead.map((r) => r.ms))))} ms; ` +
        `first 200 ${String(firstSuccessMs)} ms after revival, steady from ${String(recoveryMs)} ms; ` +
        `answered after revival a ${String(a.answered)}, b ${String(b.answered)}`,
    );
    assert.ok(dead.length > 0);
    assert.ok(
      dead.every((r) => r.status === 502 || r.status === 503),
      `statuses ${deadStatuses.join(',')}`,
    );
    assert.ok(recoveryMs <= MAX_EJECTION_MS, `recovered after ${String(recoveryMs)} ms`);
  });

  test('a rollout whose old endpoints stop before the manifest drops them fails no GET', async () => {
    const old = [await start('roll-old-a'), await start('roll-old-b'), await start('roll-old-c')];
    const fresh = [await start('roll-new-a'), await start('roll-new-b'), await start('roll-new-c')];
    await publish(
      'roll',
      old.map((u) => u.port),
    );
    const load = runLoad({
      port: serve.httpPort,
      host: 'roll.example.com',
      concurrency: 20,
      durationMs: 15_000,
      maxRequests: 400_000,
    });
    await delay(1_000);
    // The new Pods are ready: both generations are listed.
    await publish(
      'roll',
      [...old, ...fresh].map((u) => u.port),
    );
    await delay(500);
    // The old ones stop one after the other, before the EndpointSlices drop them.
    const stoppedAt = Date.now();
    for (const upstream of old) {
      await upstream.kill();
      await delay(500);
    }
    await delay(1_000);
    await publish(
      'roll',
      fresh.map((u) => u.port),
    );
    await delay(1_000);
    load.stop();
    const results = await load.done;
    const failed = failuresOf(results);
    const attemptsOnOld = old.map((u) => failedAttempts(u.key).length);
    console.log(
      `# figures: rollout: requests ${String(results.length)}, failures ${String(failed.length)}, ` +
        `share ${(failed.length / Math.max(1, results.length)).toFixed(5)}, failed attempts on the ` +
        `old endpoints ${attemptsOnOld.join('/')}, ejections ${old.map((u) => ejections(u.key).length).join('/')}, ` +
        `requests after the first stop ${String(results.filter((r) => r.sentAt >= stoppedAt).length)}, ` +
        `failure statuses ${[...new Set(failed.map((r) => r.status))].join(',')}`,
    );
    assert.ok(results.length > 500, `only ${String(results.length)} requests`);
    assert.ok(failed.length / results.length < 0.001, `${String(failed.length)} failed`);
    assert.ok(
      fresh.every((u) => u.answered > 0),
      'a new endpoint got no request',
    );
  });
});
