// HTTP/2 floods against an h2c listener (issue 15, part 5: what held up in the security
// review), each sent by hand on a raw socket: rapid reset (CVE-2023-44487), a CONTINUATION
// flood (CVE-2024-27316 and its kin), an HPACK bomb. Each ends with GOAWAY, RST_STREAM or a
// closed connection; the proxy answers fresh connections during and after, and its memory,
// measured in a child process of its own after a full collection (collect-garbage-on-rss.ts),
// stays bounded. Each flood is bounded too: at most 5,000 streams or 10,000 frames, 5 s.
//
// The protections are nghttp2's (Node 24) and the listener's settings (listener-server.ts:
// maxHeaderListSize from maxHeaderSize, 128 concurrent streams). Without them: nghttp2 before
// 1.57 answers all 5,000 reset streams and never sends GOAWAY; before 1.61 it reads
// CONTINUATION frames for ever; a header list without a limit makes the bomb's 64 MiB a
// request. Each test asserts on exactly that. Request-level HTTP/2 checks (Host against
// :authority, CONNECT, repeated pseudo-headers) live in proxy-h2-held-up.test.ts; ordinary
// HTTP/2 behaviour in proxy-http2.test.ts.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { h2Close, h2Connect, h2Request } from '../helpers/h2-client.ts';
import {
  FLAG,
  FRAME,
  H2_ERROR,
  frame,
  indexed,
  literalNewName,
  rawH2Connect,
  requestBlock,
  rstStream,
} from '../helpers/h2-frames.ts';

const MiB = 1024 * 1024;
// Peak RSS growth allowed during a flood. Each sample follows a full collection, so this is
// what the proxy holds; the bomb alone would be 64 MiB per stream if it were decoded whole.
const MAX_GROWTH = 100 * MiB;
const FLOOD_MS = 5_000;
const PROBE = '/public/probe';

interface ChildStats {
  readonly rss: number;
  readonly handled: number;
}

class ChildProxy {
  readonly #child: ChildProcess;
  constructor(child: ChildProcess) {
    this.#child = child;
  }

  static async start(upstreamPort: number): Promise<{ child: ChildProxy; port: number }> {
    const script = fileURLToPath(new URL('../helpers/h2c-proxy-child.ts', import.meta.url));
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

  async stats(): Promise<ChildStats> {
    return new Promise((resolve) => {
      this.#child.once('message', (message) => {
        resolve(message as ChildStats);
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

describe('HTTP/2 floods against an h2c listener', () => {
  let echo: EchoUpstream;
  let child: ChildProxy;
  let port: number;
  /** Request targets the upstream received, in order, probes left out. */
  const received: string[] = [];

  before(async () => {
    echo = await startEchoUpstream('public');
    echo.server.on('request', (req: { url?: string }) => {
      if (req.url !== PROBE) received.push(req.url ?? '');
    });
    ({ child, port } = await ChildProxy.start(echo.port));
    // Warm up: pools, JIT and the HTTP/2 machinery exist before the baselines are taken.
    for (let i = 0; i < 3; i++) assert.equal(await probe(port), 200);
  });

  after(async () => {
    await child.close();
    await echo.close();
  });

  /**
   * Runs a flood while a fresh connection asks for a normal request half way through; returns
   * the peak RSS growth over the baseline and the requests the proxy finished meanwhile. After
   * the flood another fresh connection must be answered.
   */
  async function flooded(flood: () => Promise<void>): Promise<{ growth: number; handled: number }> {
    const baseline = await child.stats();
    let peak = baseline.rss;
    let done = false;
    const sampling = (async () => {
      while (!done) {
        peak = Math.max(peak, (await child.stats()).rss);
        await sleep(20);
      }
    })();
    const during = (async () => {
      await sleep(50);
      return probe(port);
    })();
    try {
      await flood();
      assert.equal(await during, 200, 'a fresh connection is answered during the flood');
    } finally {
      done = true;
      await sampling;
    }
    assert.equal(await probe(port), 200, 'a fresh connection is answered after the flood');
    const end = await child.stats();
    return {
      growth: Math.max(peak, end.rss) - baseline.rss,
      handled: end.handled - baseline.handled - 2,
    };
  }

  test('rapid reset: 5,000 streams opened and reset at once end in GOAWAY', async (t) => {
    const streams = 5_000;
    const before = received.length;
    let sent = 0;
    const seen: { goaway: { lastStream: number; code: number } | null } = { goaway: null };
    const { growth, handled } = await flooded(async () => {
      const connection = await rawH2Connect(port);
      const deadline = Date.now() + FLOOD_MS;
      while (sent < streams && !connection.closed && Date.now() < deadline) {
        const batch: Buffer[] = [];
        for (let i = 0; i < 50 && sent < streams; i++, sent++) {
          const stream = 1 + 2 * sent;
          const block = requestBlock('a.test', `/public/reset/${String(sent)}`);
          batch.push(frame(FRAME.headers, FLAG.endHeaders | FLAG.endStream, stream, block));
          batch.push(rstStream(stream, H2_ERROR.cancel));
        }
        await connection.write(Buffer.concat(batch));
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(await connection.waitClosed(FLOOD_MS), 'the flooding connection is closed');
      seen.goaway = connection.goaway();
    });
    t.diagnostic(
      `sent ${String(sent)} streams; GOAWAY ${JSON.stringify(seen.goaway)}; the proxy handled ` +
        `${String(handled)}, the upstream got ${String(received.length - before)}; ` +
        `peak growth ${(growth / MiB).toFixed(1)} MiB`,
    );
    assert.ok(seen.goaway !== null, 'GOAWAY before the connection closed');
    const { lastStream } = seen.goaway;
    assert.ok(lastStream < 2 * streams - 1, `GOAWAY accepted streams up to ${String(lastStream)}`);
    assert.ok(handled < streams / 2, `the proxy handled ${String(handled)} of the streams`);
    assert.ok(received.length - before < streams / 2, 'most streams never reached the upstream');
    assert.ok(growth < MAX_GROWTH, `RSS grew ${(growth / MiB).toFixed(1)} MiB`);
  });

  for (const [name, piece] of [
    ['empty', Buffer.alloc(0)],
    ['one small header each', literalNewName('x-c', 'v'.repeat(20))],
  ] as const) {
    test(`CONTINUATION flood (${name}): the connection is closed`, async (t) => {
      const frames = 10_000;
      const before = received.length;
      let sent = 0;
      let closed = false;
      const { growth, handled } = await flooded(async () => {
        const connection = await rawH2Connect(port);
        // HEADERS without END_HEADERS: every CONTINUATION after it extends the same block.
        const first = frame(FRAME.headers, FLAG.endStream, 1, requestBlock('a.test', '/public/c'));
        await connection.write(first);
        const continuation = frame(FRAME.continuation, 0, 1, piece);
        const deadline = Date.now() + FLOOD_MS;
        while (sent < frames && !connection.closed && Date.now() < deadline) {
          await connection.write(Buffer.concat(Array<Buffer>(10).fill(continuation)));
          sent += 10;
          await new Promise((resolve) => setImmediate(resolve));
        }
        closed = await connection.waitClosed(FLOOD_MS);
      });
      t.diagnostic(
        `sent ${String(sent)} CONTINUATION frames; peak growth ${(growth / MiB).toFixed(1)} MiB`,
      );
      assert.ok(closed, 'the connection is closed, not kept reading the header block');
      assert.equal(handled, 0, 'the endless header block never became a request');
      assert.equal(received.length, before, 'nothing reached the upstream');
      assert.ok(growth < MAX_GROWTH, `RSS grew ${(growth / MiB).toFixed(1)} MiB`);
    });
  }

  test('HPACK bomb: a header list far past maxHeaderSize is refused, stream by stream', async (t) => {
    const before = received.length;
    const bombs = [1, 3, 5, 7];
    let resets: number[][] = [];
    const seen: { goaway: { lastStream: number; code: number } | null } = { goaway: null };
    const { growth, handled } = await flooded(async () => {
      const connection = await rawH2Connect(port);
      for (const [n, stream] of bombs.entries()) {
        // One 4,000-byte value into the dynamic table (index 62, the table's whole 4 KiB),
        // then referenced 16,000 times at one byte each: 16 KiB on the wire, 64 MiB decoded.
        const insert = n === 0 ? [literalNewName('x-bomb', 'b'.repeat(4_000), true)] : [];
        const block = requestBlock(
          'a.test',
          '/public/bomb',
          ...insert,
          Buffer.alloc(16_000, indexed(62)),
        );
        const frames: Buffer[] = [];
        for (let offset = 0; offset < block.length; offset += 16_384) {
          const last = offset + 16_384 >= block.length;
          frames.push(
            frame(
              offset === 0 ? FRAME.headers : FRAME.continuation,
              (offset === 0 ? FLAG.endStream : 0) | (last ? FLAG.endHeaders : 0),
              stream,
              block.subarray(offset, offset + 16_384),
            ),
          );
        }
        await connection.write(Buffer.concat(frames));
      }
      const deadline = Date.now() + FLOOD_MS;
      while (Date.now() < deadline && !connection.closed) {
        if (bombs.every((stream) => connection.resets(stream).length > 0)) break;
        await sleep(20);
      }
      resets = bombs.map((stream) => connection.resets(stream));
      seen.goaway = connection.goaway();
      connection.socket.destroy();
    });
    t.diagnostic(
      `RST_STREAM codes ${JSON.stringify(resets)}; GOAWAY ${JSON.stringify(seen.goaway)}; ` +
        `peak growth ${(growth / MiB).toFixed(1)} MiB`,
    );
    const refusedEach = resets.every((codes) => codes.includes(H2_ERROR.enhanceYourCalm));
    assert.ok(refusedEach || seen.goaway !== null, 'each bomb is refused (RST_STREAM or GOAWAY)');
    assert.equal(handled, 0, 'no bomb became a request');
    assert.equal(received.length, before, 'nothing reached the upstream');
    assert.ok(growth < MAX_GROWTH, `RSS grew ${(growth / MiB).toFixed(1)} MiB`);
  });
});

/** One ordinary request on a fresh h2c connection; its status. */
async function probe(port: number): Promise<number> {
  const session = await h2Connect(port);
  try {
    return (await h2Request(session, { authority: 'a.test', path: PROBE })).status;
  } finally {
    await h2Close(session);
  }
}
