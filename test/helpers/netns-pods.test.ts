import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { AddressUpstreams } from '../kubernetes/address-upstreams.ts';
import { BASE_MANIFESTS, ingressYaml, sliceYaml } from '../kubernetes/manifests.ts';
import { untilStatus } from '../kubernetes/traffic.ts';
import { send } from './http-client.ts';
import { manifestDir } from './manifests.ts';
import { IP, namesOf } from './netns-network.ts';
import { NETNS_SKIP, startNetnsPods, sweepNetnsLeftovers, type NetnsPods } from './netns-pods.ts';
import { startServeProcess, type ServeProcess } from './serve-process.ts';

interface Answer {
  readonly status: number;
  readonly type: string | undefined;
  readonly body: string;
}

/** One GET to `address:port` on a fresh connection, bounded to 5 s. */
function get(address: string, port: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** The error code of a GET that must fail (ECONNREFUSED, ...); fails the test if it answers. */
async function refusal(address: string, port: number): Promise<string> {
  const answer = await get(address, port).catch((error: unknown) => error as NodeJS.ErrnoException);
  assert.ok(
    answer instanceof Error,
    `${address}:${String(port)} answered ${JSON.stringify(answer)}`,
  );
  return String(answer.code);
}

/** `ip ARGS...`'s standard output (bounded: 10 s). */
function ip(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(IP ?? 'ip', args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`ip ${args.join(' ')}: ${stderr}`));
    });
  });
}

async function rootAddresses(): Promise<string[]> {
  const links = JSON.parse(await ip('-j', 'addr')) as { addr_info: { local: string }[] }[];
  return links.flatMap((link) => link.addr_info.map((info) => info.local));
}

/** Everything of the fixture `prefix` still there: namespaces, interfaces, count directory. */
async function leftovers(prefix: string): Promise<string[]> {
  const dirs = (await readdir(tmpdir())).filter((name) => name.startsWith(`${prefix}-`));
  return [...(await namesOf(prefix)), ...dirs].sort();
}

/** Waits (at most 5 s) until no process runs in network namespace `namespace`. */
async function untilEmpty(namespace: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await ip('netns', 'pids', namespace)).trim() !== '') {
    if (Date.now() > deadline) throw new Error(`processes still run in ${namespace}`);
    await delay(20);
  }
}

describe('startNetnsPods', { skip: NETNS_SKIP }, () => {
  let pods: NetnsPods;
  before(async () => {
    pods = await startNetnsPods(3);
  });
  after(async () => {
    await pods.close();
  });

  test('each Pod answers from its own address, outside loopback', async () => {
    // Same shape as the loopback fixture, so suites can take either.
    const upstreams: AddressUpstreams = pods;
    assert.equal(upstreams.addresses.length, 3);
    const [, x] = /^10\.231\.(\d+)\.0\/24$/.exec(pods.network.subnet) ?? [];
    assert.ok(x !== undefined, pods.network.subnet);
    assert.deepEqual(
      pods.addresses,
      [2, 3, 4].map((host) => `10.231.${x}.${String(host)}`),
    );
    for (const address of pods.addresses) {
      assert.deepEqual(await get(address, pods.port), {
        status: 200,
        type: 'text/plain',
        body: address,
      });
    }
    assert.deepEqual(
      [...pods.requests].sort(),
      pods.addresses.map((address) => [address, 1]),
    );
  });

  test('the Pods are elsewhere: not on loopback, not on any root-namespace interface', async () => {
    const before = pods.addresses.map((address) => pods.requests.get(address) ?? 0);
    for (const host of ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      // Something else may listen on this port number in the root namespace; a Pod never.
      const answer = await get(host, pods.port).catch(() => null);
      assert.ok(answer === null || !pods.addresses.includes(answer.body), host);
    }
    const root = await rootAddresses();
    assert.ok(root.includes(pods.network.gateway), 'the bridge holds the gateway address');
    for (const address of pods.addresses) assert.ok(!root.includes(address), address);
    assert.deepEqual(
      pods.addresses.map((address) => pods.requests.get(address) ?? 0),
      before,
    );
  });

  test('a stopped Pod refuses connections, the others answer; started, it answers again', async () => {
    const [first = '', second = '', third = ''] = pods.addresses;
    await pods.stop(second);
    assert.equal(await refusal(second, pods.port), 'ECONNREFUSED');
    assert.equal((await get(first, pods.port)).body, first);
    assert.equal((await get(third, pods.port)).body, third);
    await pods.start(second);
    assert.equal((await get(second, pods.port)).body, second);
  });

  test('a second fixture gets another subnet and prefix; both answer at once', async () => {
    const other = await startNetnsPods(2);
    try {
      assert.notEqual(other.network.subnet, pods.network.subnet);
      assert.notEqual(other.network.prefix, pods.network.prefix);
      const everyone = [
        ...pods.addresses.map((address) => ({ address, port: pods.port })),
        ...other.addresses.map((address) => ({ address, port: other.port })),
      ];
      const answers = await Promise.all(everyone.map(({ address, port }) => get(address, port)));
      assert.deepEqual(
        answers.map((answer) => answer.body),
        everyone.map(({ address }) => address),
      );
    } finally {
      await other.close();
    }
  });

  test('ten Pods start at once, each answering with its own address', async (t) => {
    const started = performance.now();
    const ten = await startNetnsPods(10);
    const tookMs = Math.round(performance.now() - started);
    try {
      t.diagnostic(`10 Pods started in ${String(tookMs)} ms`);
      // Bounded as each Pod's ready line is: one at a time, they would take far longer.
      assert.ok(tookMs < 10_000, `10 Pods took ${String(tookMs)} ms`);
      const answers = await Promise.all(ten.addresses.map((address) => get(address, ten.port)));
      assert.deepEqual(
        answers.map((answer) => answer.body),
        ten.addresses,
      );
      assert.equal(new Set(ten.addresses).size, 10);
    } finally {
      await ten.close();
    }
  });

  test('close() deletes every namespace, interface, address and count file it made', async () => {
    const doomed = await startNetnsPods(2);
    const { prefix, subnet } = doomed.network;
    assert.deepEqual(
      (await leftovers(prefix)).map((name) => name.replace(/-.*$/, '-*')).sort(),
      ['-*', 'b', 'h0', 'h1', 'p0', 'p1'].map((suffix) => `${prefix}${suffix}`).sort(),
    );
    await doomed.close();
    assert.deepEqual(await leftovers(prefix), []);
    assert.ok(!(await rootAddresses()).includes(doomed.network.gateway), subnet);
    await doomed.close();
  });
});

/** A test process of its own that starts 2 Pods, prints their prefix and does `ending`. */
function podsProcess(ending: string) {
  const module = new URL('./netns-pods.ts', import.meta.url).href;
  const script = [
    `import { startNetnsPods } from ${JSON.stringify(module)};`,
    'const pods = await startNetnsPods(2);',
    'console.log(pods.network.prefix);',
    ending,
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(signal ?? code);
    });
  });
  const prefix = new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => {
      resolve(chunk.toString().trim());
    });
    void exited.then((end) => {
      reject(new Error(`the Pods process ended (${String(end)}) before starting its Pods`));
    });
  });
  return { child, exited, prefix };
}

describe('startNetnsPods in a process that ends without close()', { skip: NETNS_SKIP }, () => {
  test('exiting leaves nothing behind', async () => {
    // Nothing keeps the process alive: it exits as a test file does after its last test.
    const run = podsProcess('');
    const prefix = await run.prefix;
    assert.equal(await run.exited, 0);
    assert.deepEqual(await leftovers(prefix), []);
  });

  test('SIGTERM leaves nothing behind, and still kills the process', async () => {
    const run = podsProcess('setInterval(() => {}, 1000);');
    const prefix = await run.prefix;
    assert.equal((await leftovers(prefix)).length, 6);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 'SIGTERM');
    assert.deepEqual(await leftovers(prefix), []);
  });

  test('after SIGKILL the next sweep deletes the leftovers; the Pods end by themselves', async () => {
    const run = podsProcess('setInterval(() => {}, 1000);');
    const prefix = await run.prefix;
    const namespace = `${prefix}p0`;
    run.child.kill('SIGKILL');
    assert.equal(await run.exited, 'SIGKILL');
    assert.equal((await leftovers(prefix)).length, 6, 'SIGKILL runs no hook');
    // The Pods read the end of their standard input when their parent dies.
    await untilEmpty(namespace);
    assert.ok((await sweepNetnsLeftovers()).includes(namespace));
    assert.deepEqual(await leftovers(prefix), []);
  });
});

describe('pointsman serve routes to netns Pods', { skip: NETNS_SKIP }, () => {
  let pods: NetnsPods | undefined;
  let serve: ServeProcess | undefined;
  before(async () => {
    pods = await startNetnsPods(3);
    const dir = await manifestDir();
    await writeFile(
      join(dir, 'web.yaml'),
      [BASE_MANIFESTS, sliceYaml(pods.port, pods.addresses), ingressYaml('web', 'pods.test')].join(
        '---\n',
      ),
    );
    serve = await startServeProcess('serve', ['--manifests', dir]);
  });
  after(async () => {
    // pointsman first: once the Pods' subnet is gone, their addresses route to the default gateway.
    await serve?.stop();
    await pods?.close();
  });

  test('round robin over 3 Pods reaches each of them', async () => {
    assert.ok(serve !== undefined && pods !== undefined, 'made by before()');
    await untilStatus(serve.httpPort, 'pods.test', 200);
    const before = new Map(pods.requests);
    const bodies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await send(serve.httpPort, { headers: { host: 'pods.test' } });
      assert.equal(reply.status, 200);
      bodies.push(reply.body);
    }
    assert.deepEqual(bodies.toSorted(), [...pods.addresses].sort());
    for (const address of pods.addresses) {
      assert.equal((pods.requests.get(address) ?? 0) - (before.get(address) ?? 0), 1, address);
    }
  });
});
