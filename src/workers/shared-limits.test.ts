import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { capturingLogger } from '../../test/helpers/capturing-logger.ts';
import { until } from '../../test/helpers/until.ts';
import { LimitState } from '../dataplane/policy/limit-state.ts';
import { LocalLimits, type LimitRelease, type NamedZone } from '../dataplane/index.ts';
import { LimitHost, type LimitAddress } from './limit-host.ts';
import { LimitService } from './limit-service.ts';
import { SharedLimits } from './shared-limits.ts';

const CLIENT = Int32Array.from([4, 0x7f000001, 0, 0, 0]);
/** Two requests over the rate pass (burst 2), at a rate too slow to drain during a test. */
const ZONES: readonly NamedZone[] = [{ name: 'ns/a\0rpm', perSecond: 1 / 60, burst: 2 }];

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Counts a request in ZONES: whether it passes. */
async function take(limits: SharedLimits, client = CLIENT): Promise<boolean> {
  return (await limits.admit(client, ZONES, null)).refused === null;
}

/** Takes a slot of `limit` in flight: its release, or undefined when refused. */
async function hold(limits: SharedLimits, limit: number): Promise<LimitRelease | undefined> {
  const admission = await limits.admit(CLIENT, [], { zone: 'ns/a\0conn', limit });
  return admission.refused === null ? (admission.release ?? undefined) : undefined;
}

/** Asks again every 10 ms until the answer is a slot; fails after 5 s. */
async function slotWithin(ask: () => Promise<LimitRelease | undefined>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (typeof (await ask()) !== 'function') {
    if (Date.now() > deadline) assert.fail('no slot within 5 s');
    await delay(10);
  }
}

function freshAddress(): LimitAddress {
  return {
    path: `\0pointsman-limits-test-${randomBytes(8).toString('hex')}`,
    token: randomBytes(32).toString('hex'),
  };
}

async function startService(
  address: LimitAddress,
): Promise<{ service: LimitService; problems: string[] }> {
  const problems: string[] = [];
  const service = new LimitService({
    token: address.token,
    onProblem: (problem) => problems.push(problem),
  });
  await service.listen(address.path);
  cleanups.push(() => service.close());
  return { service, problems };
}

function client(
  address: LimitAddress,
  options: { answerTimeoutMs?: number; local?: LocalLimits } = {},
): { limits: SharedLimits; lines: ReturnType<typeof capturingLogger>['lines'] } {
  const { logger, lines } = capturingLogger();
  const limits = new SharedLimits({ address, logger, ...options });
  limits.connect();
  cleanups.push(() => {
    limits.close();
  });
  return { limits, lines };
}

test('whenConnected: true once connected, false (and said) when nothing listens in time', async () => {
  const address = freshAddress();
  await startService(address);
  const { limits } = client(address);
  assert.equal(await limits.whenConnected(5_000), true);
  assert.equal(await limits.whenConnected(0), true, 'at once when connected');
  const { limits: lonely, lines } = client(freshAddress());
  assert.equal(await lonely.whenConnected(100), false);
  assert.ok(lines.some((line) => line.msg.startsWith('shared limits unreachable')));
});

test('two workers share one count: the burst is spent once over both', async () => {
  const address = freshAddress();
  await startService(address);
  const a = client(address).limits;
  const b = client(address).limits;
  await until(() => a.connected && b.connected);
  const answers = [];
  for (const worker of [a, b, a, b, a]) answers.push(await take(worker));
  assert.deepEqual(answers, [true, true, true, false, false]);
  // Another client address has its own bucket.
  assert.equal(await take(b, Int32Array.from([4, 0x7f000002, 0, 0, 0])), true);
});

test('limit-connections: a slot held on one worker is refused on the other until released', async () => {
  const address = freshAddress();
  await startService(address);
  const a = client(address).limits;
  const b = client(address).limits;
  await until(() => a.connected && b.connected);
  const release = await hold(a, 1);
  assert.equal(typeof release, 'function');
  assert.equal(await hold(b, 1), undefined);
  release?.();
  release?.();
  await slotWithin(() => hold(b, 1));
  // Counted once although released twice: the slot is b's now, a is refused.
  assert.equal(await hold(a, 1), undefined);
});

test('a worker whose connection closes gives back every slot it held (a worker that died)', async () => {
  const address = freshAddress();
  await startService(address);
  const a = client(address).limits;
  const b = client(address).limits;
  await until(() => a.connected && b.connected);
  assert.equal(typeof (await hold(a, 2)), 'function');
  assert.equal(typeof (await hold(a, 2)), 'function');
  assert.equal(await hold(b, 2), undefined);
  a.close();
  await slotWithin(() => hold(b, 2));
});

test('without the service a worker counts on its own, says so once, and comes back to it', async () => {
  const address = freshAddress();
  const { service } = await startService(address);
  const local = new LocalLimits(new LimitState({ now: () => 0 }));
  const { limits, lines } = client(address, { local });
  await until(() => limits.connected);
  await service.close();
  await until(() => !limits.connected);
  // Answered at once, from the worker's own count.
  const answers = [1, 2, 3, 4].map(() => limits.admit(CLIENT, ZONES, null));
  assert.deepEqual(
    answers.map((answer) => (answer instanceof Promise ? 'later' : answer.refused)),
    [null, null, null, 'rate'],
  );
  const warnings = lines.filter((line) => line.msg.startsWith('shared limits unreachable'));
  assert.equal(warnings.length, 1);
  await startService(address);
  await until(() => limits.connected, 5_000);
  assert.ok(lines.some((line) => line.msg === 'shared limits answer again'));
  // The service's count starts afresh: the burst is its own.
  assert.equal(await take(limits), true);
});

test('a service that does not answer in time: the question is counted here, the connection dropped', async () => {
  const address = freshAddress();
  const silent: Socket[] = [];
  const server = createServer((socket) => silent.push(socket));
  await new Promise<void>((resolve) => server.listen({ path: address.path }, resolve));
  cleanups.push(() => {
    for (const socket of silent) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  const { limits, lines } = client(address, { answerTimeoutMs: 100 });
  await until(() => limits.connected);
  const started = performance.now();
  const answer = limits.admit(CLIENT, ZONES, null);
  assert.ok(answer instanceof Promise);
  assert.equal((await answer).refused, null);
  assert.ok(performance.now() - started >= 100);
  assert.ok(lines.some((line) => String(line.reason).includes('did not answer within 100 ms')));
});

test('the service refuses a wrong token and a bad line, and says why', async () => {
  const address = freshAddress();
  const { problems } = await startService(address);
  const closed = (first: string, second?: string): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect({ path: address.path }, () => {
        socket.write(`${first}\n`);
        if (second !== undefined) socket.write(`${second}\n`);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        resolve();
      });
      socket.resume();
    });
  await closed(JSON.stringify('00'.repeat(32)));
  await closed(JSON.stringify(address.token), '[1,"admit",[0,0,0,0,0],[],null]');
  assert.deepEqual(problems, [
    'a connection did not send the token',
    'a worker sent a bad line: an admit asks for a zone or a hold',
  ]);
});

test('LimitHost runs the service in a thread that workers reach by its address', async () => {
  const { logger } = capturingLogger();
  const host = new LimitHost(logger);
  await host.start();
  cleanups.push(() => host.close());
  assert.ok(host.address.path.startsWith('\0pointsman-limits-'));
  const a = client(host.address).limits;
  const b = client(host.address).limits;
  await until(() => a.connected && b.connected);
  assert.equal(await take(a), true);
  assert.equal(await take(b), true);
  assert.equal(await take(a), true);
  assert.equal(await take(b), false);
});
