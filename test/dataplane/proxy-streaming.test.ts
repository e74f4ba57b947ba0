// 100 MiB each way through a proxy in its own process, whose memory must stay flat: bodies
// are streamed, never buffered whole.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const TOTAL = 100 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
// The proxy may grow by buffers and pools; growing by anything like a body would fail this.
const MAX_GROWTH = 60 * 1024 * 1024;

/** Produces `total` bytes by handing out the same chunk again and again. */
function generated(total: number): Readable {
  let left = total;
  return new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= piece.length;
      this.push(piece);
    },
  });
}

function startUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/download') {
      res.writeHead(200, { 'content-length': TOTAL });
      generated(TOTAL).pipe(res);
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
    const child = fork(script, [String(upstreamPort)], {
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

/** Samples the child's RSS until `work` settles; returns the work's result and the peak. */
async function sampled<T>(
  child: ChildProxy,
  work: Promise<T>,
): Promise<{ result: T; peak: number }> {
  let peak = 0;
  let done = false;
  const sampling = (async () => {
    while (!done) {
      peak = Math.max(peak, await child.rss());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    return { result: await work, peak };
  } finally {
    done = true;
    await sampling;
  }
}

function upload(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/upload',
        headers: { host: 'big.test', 'content-length': TOTAL },
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
    generated(TOTAL).pipe(req);
  });
}

function download(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/download', headers: { host: 'big.test' }, agent: false },
      (res) => {
        let received = 0;
        res.on('data', (chunk: Buffer) => (received += chunk.length));
        res.on('end', () => {
          resolve(received);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('streaming 100 MiB through a proxy process', { timeout: 60_000 }, () => {
  let upstream: Server;
  let proxy: ChildProxy;
  let port: number;
  let baseline: number;

  before(async () => {
    upstream = await startUpstream();
    ({ child: proxy, port } = await ChildProxy.start((upstream.address() as AddressInfo).port));
    // Warm up: pools, parsers and compiled code exist before the baseline is taken.
    await upload(port).catch(() => undefined);
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

  test('upload: all bytes arrive, memory stays flat', async () => {
    const { result, peak } = await sampled(proxy, upload(port));
    assert.equal(result, String(TOTAL));
    assert.ok(peak - baseline < MAX_GROWTH, `RSS grew by ${String(peak - baseline)} bytes`);
  });

  test('download: all bytes arrive, memory stays flat', async () => {
    const { result, peak } = await sampled(proxy, download(port));
    assert.equal(result, TOTAL);
    assert.ok(peak - baseline < MAX_GROWTH, `RSS grew by ${String(peak - baseline)} bytes`);
  });
});
