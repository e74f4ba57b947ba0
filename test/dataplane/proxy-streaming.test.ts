// 100 MiB each way through a proxy in its own process, whose memory must stay flat: bodies
// are streamed, never buffered whole, and a slow reader pushes back on the upstream instead of
// making the proxy hold what it cannot deliver yet.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;
const TOTAL = 100 * MiB;
const WARM_UP = 1 * MiB;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
// Each RSS sample follows a full collection in the proxy (collect-garbage-on-rss.ts), so what
// is left is what the proxy holds plus garbage made since the last sample and pages the
// allocator keeps (peaks of about 20 MiB seen with two copies of this file running at once);
// holding a body (100 MiB), or a good part of one, would fail this. Without the collections,
// dead socket buffers alone reach ~70 MiB before V8 collects them.
const MAX_GROWTH = 40 * MiB;
// What a stalled transfer may have in flight: the kernel's socket buffers on both hops plus the
// streams' high-water marks. A proxy that buffered the body would let the upstream send it all.
const MAX_IN_FLIGHT = 50 * MiB;

/** Bytes the upstream's current `/download` has handed to its socket so far. */
const produced = { bytes: 0 };

/** Produces `total` bytes by handing out the same chunk again and again. */
function generated(total: number, counter?: { bytes: number }): Readable {
  let left = total;
  return new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= piece.length;
      if (counter !== undefined) counter.bytes += piece.length;
      this.push(piece);
    },
  });
}

/** `/download?bytes=N` sends N bytes; any other request is answered with the body size read. */
function startUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (url.pathname === '/download') {
      const total = Number(url.searchParams.get('bytes') ?? TOTAL);
      produced.bytes = 0;
      res.writeHead(200, { 'content-length': total });
      generated(total, produced).pipe(res);
      return;
    }
    let received = 0;
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.on('end', () => res.end(String(received)));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve(server);
    }),
  );
}

class ChildProxy {
  readonly #child: ChildProcess;
  constructor(child: ChildProcess) {
    this.#child = child;
  }

  static async start(upstreamPort: number): Promise<{ child: ChildProxy; port: number }> {
    const script = fileURLToPath(new URL('../helpers/proxy-child.ts', import.meta.url));
    const collect = fileURLToPath(new URL('../helpers/collect-garbage-on-rss.ts', import.meta.url));
    const child = fork(script, [String(upstreamPort)], {
      execArgv: ['--expose-gc', '--import', collect],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (message) => {
        resolve((message as { port: number }).port);
      });
      child.once('exit', (code) => {
        reject(new Error(`proxy child exited with ${String(code)}`));
      });
    });
    return { child: new ChildProxy(child), port };
  }

  async rss(): Promise<number> {
    return new Promise((resolve) => {
      this.#child.once('message', (message) => {
        resolve((message as { rss: number }).rss);
      });
      this.#child.send('rss');
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      this.#child.once('exit', () => {
        resolve();
      });
      this.#child.send('close');
    });
  }
}

/**
 * Samples the child's RSS until `work` settles; returns the work's result and the peak. Samples
 * come often because each one collects garbage first: the less garbage piles up between two
 * collections, the less allocator high water there is to mistake for buffering.
 */
async function sampled<T>(
  child: ChildProxy,
  work: Promise<T>,
): Promise<{ result: T; peak: number }> {
  let peak = 0;
  let done = false;
  const sampling = (async () => {
    while (!done) {
      peak = Math.max(peak, await child.rss());
      await sleep(10);
    }
  })();
  try {
    return { result: await work, peak };
  } finally {
    done = true;
    await sampling;
  }
}

function upload(port: number, total = TOTAL): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/upload',
        headers: { host: 'big.test', 'content-length': total },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve(text);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    generated(total).pipe(req);
  });
}

/** Sends GET /download?bytes=total and resolves with the response, unread. */
function downloadResponse(port: number, total: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: `/download?bytes=${String(total)}`,
        headers: { host: 'big.test' },
        agent: false,
      },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

async function download(port: number, total = TOTAL): Promise<number> {
  const res = await downloadResponse(port, total);
  let received = 0;
  for await (const chunk of res) received += (chunk as Buffer).length;
  return received;
}

/**
 * Waits until the upstream has stopped producing (no progress across two samples 100 ms apart)
 * or `timeoutMs` passes; nothing signals "the pipes are full", so progress is what is watched.
 */
async function untilProductionStalls(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let still = 0;
  while (still < 2 && Date.now() < deadline) {
    await sleep(100);
    still = produced.bytes === last ? still + 1 : 0;
    last = produced.bytes;
  }
}

describe('streaming 100 MiB through a proxy process', { timeout: 90_000 }, () => {
  let upstream: Server;
  let proxy: ChildProxy;
  let port: number;
  let baseline: number;

  before(async () => {
    upstream = await startUpstream();
    ({ child: proxy, port } = await ChildProxy.start((upstream.address() as AddressInfo).port));
    // Warm up with a small body each way: pools, parsers and compiled code exist before the
    // baseline is taken, but a full-size warm-up would hide buffering inside the baseline.
    assert.equal(await upload(port, WARM_UP), String(WARM_UP));
    assert.equal(await download(port, WARM_UP), WARM_UP);
    baseline = await proxy.rss();
  });

  after(async () => {
    await proxy.close();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) =>
      upstream.close(() => {
        resolve();
      }),
    );
  });

  test('upload: all bytes arrive, memory stays flat', async (t) => {
    const { result, peak } = await sampled(proxy, upload(port));
    assert.equal(result, String(TOTAL));
    assert.ok(peak - baseline < MAX_GROWTH, `RSS grew by ${String(peak - baseline)} bytes`);
    t.diagnostic(`RSS +${String(peak - baseline)}`);
  });

  test('download: all bytes arrive, memory stays flat', async (t) => {
    const { result, peak } = await sampled(proxy, download(port));
    assert.equal(result, TOTAL);
    assert.ok(peak - baseline < MAX_GROWTH, `RSS grew by ${String(peak - baseline)} bytes`);
    t.diagnostic(`RSS +${String(peak - baseline)}`);
  });

  test('a slow reader holds the upstream back instead of growing the proxy', async (t) => {
    const res = await downloadResponse(port, TOTAL);
    assert.equal(res.statusCode, 200);
    const slowRead = (async () => {
      // Nothing is read until the upstream stalls, then 2 MiB at a time with a pause after
      // each: the pauses are the slowness under test, not a wait for something to happen. The
      // async iterator pulls only when the loop comes round, so a pause reads nothing.
      await untilProductionStalls(5_000);
      const stalledAt = produced.bytes;
      let received = 0;
      let maxInFlight = stalledAt;
      let nextPause = 2 * MiB;
      const deadline = Date.now() + 60_000;
      for await (const chunk of res) {
        received += (chunk as Buffer).length;
        if (received >= nextPause) {
          nextPause += 2 * MiB;
          maxInFlight = Math.max(maxInFlight, produced.bytes - received);
          await sleep(20);
        }
        if (Date.now() > deadline) throw new Error(`slow read timed out at ${String(received)}`);
      }
      return { stalledAt, received, maxInFlight };
    })();
    const { result, peak } = await sampled(proxy, slowRead);
    assert.equal(result.received, TOTAL);
    assert.ok(
      result.stalledAt < MAX_IN_FLIGHT,
      `the upstream sent ${String(result.stalledAt)} bytes to a reader that read none`,
    );
    assert.ok(
      result.maxInFlight < MAX_IN_FLIGHT,
      `the upstream got ${String(result.maxInFlight)} bytes ahead of the reader`,
    );
    assert.ok(peak - baseline < MAX_GROWTH, `RSS grew by ${String(peak - baseline)} bytes`);
    t.diagnostic(
      `in flight: ${String(result.stalledAt)} stalled, ${String(result.maxInFlight)} max; RSS +${String(peak - baseline)}`,
    );
  });
});
