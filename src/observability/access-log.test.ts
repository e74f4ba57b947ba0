import assert from 'node:assert/strict';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { RequestRecord } from '../dataplane/index.ts';
import type { PathRoute, RouteMatch } from '../ir/index.ts';
import { createAccessLog, formatAccessLine, type AccessLogSettings } from './access-log.ts';
import { silentLogger } from './logger.ts';

function record(path: string, status: number, error: 'PM_ERR_NO_ROUTE' | null = null) {
  const req = {
    socket: new PassThrough(),
    httpVersion: '1.1',
    method: 'GET',
    url: path,
    headers: {},
  } as unknown as IncomingMessage;
  const source = {
    observer: null,
    logger: silentLogger(),
    listener: 'http',
    settings: { proto: 'http' },
  };
  const result = new RequestRecord(source, req, 'req-1', '10.1.2.3', 'request');
  result.status = status;
  result.error = error;
  result.host = 'shop.example';
  result.durationMs = 1.23456;
  return result;
}

function collect(settings: Partial<AccessLogSettings>, random?: () => number) {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const log = createAccessLog({
    target: { kind: 'stdout' },
    skipPaths: [],
    sampleRatio: 1,
    ...settings,
    logger: silentLogger(),
    destination: stream,
    ...(random === undefined ? {} : { random }),
  });
  assert.ok(log);
  return { log, lines };
}

test('one JSON line per request, with time, component and the record fields', () => {
  const { log, lines } = collect({});
  log.onRequestEnd(record('/cart?item=1', 404, 'PM_ERR_NO_ROUTE'));
  assert.equal(lines.length, 1);
  const line = lines[0] ?? {};
  assert.match(String(line['time']), /^\d{4}-\d\d-\d\dT/);
  assert.equal(line['component'], 'access');
  assert.equal(line['requestId'], 'req-1');
  assert.equal(line['client'], '10.1.2.3');
  assert.equal(line['path'], '/cart?item=1');
  assert.equal(line['status'], 404);
  assert.equal(line['error'], 'PM_ERR_NO_ROUTE');
  assert.equal(line['durationMs'], 1.235);
  assert.equal(line['ingress'], null);
  assert.equal(line['upstreamMs'], null);
});

test('skipped paths drop successful requests only, the query ignored', () => {
  const { log, lines } = collect({ skipPaths: ['/healthz'] });
  log.onRequestEnd(record('/healthz', 200));
  log.onRequestEnd(record('/healthz?probe=1', 204));
  log.onRequestEnd(record('/healthz/', 200));
  log.onRequestEnd(record('/healthz', 503));
  assert.deepEqual(
    lines.map((l) => [l['path'], l['status']]),
    [
      ['/healthz/', 200],
      ['/healthz', 503],
    ],
  );
});

test('sampling keeps its share of successful requests and every error', () => {
  const draws = [0.05, 0.5, 0.09, 0.95];
  const { log, lines } = collect({ sampleRatio: 0.1 }, () => draws.shift() ?? 0);
  for (let i = 0; i < 4; i++) log.onRequestEnd(record(`/${String(i)}`, 200));
  log.onRequestEnd(record('/broken', 502));
  assert.deepEqual(
    lines.map((l) => l['path']),
    ['/0', '/2', '/broken'],
  );
});

test('off gives no access log', () => {
  assert.equal(
    createAccessLog({
      target: { kind: 'off' },
      skipPaths: [],
      sampleRatio: 1,
      logger: silentLogger(),
    }),
    null,
  );
});

test('client text is escaped: every line is valid JSON and reads back as sent', () => {
  const { log, lines } = collect({});
  const path = '/a"b\\c\n\u0000\u2028é\ud800?x=</script>';
  const hostile = record(path, 200);
  hostile.host = 'h"ost';
  log.onRequestEnd(hostile);
  const [line] = lines;
  assert.ok(line && lines.length === 1);
  assert.equal(line['path'], path);
  assert.equal(line['host'], 'h"ost');
  assert.equal(line['upgrade'], false);
});

/** A temporary directory with the path of an access log in it, removed after the test. */
async function logFile(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pointsman-access-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'logs', 'access.log');
}

/** Resolves once the file exists (the destination opens it asynchronously); bounded. */
async function exists(path: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      await access(path);
      return;
    } catch (error) {
      if (tries >= 500) throw error;
      await delay(10);
    }
  }
}

async function paths(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => String((JSON.parse(line) as Record<string, unknown>)['path']));
}

function fileLog(path: string, extra: { maxBufferBytes?: number; reopenSignal?: null } = {}) {
  const log = createAccessLog({
    target: { kind: 'file', path },
    skipPaths: [],
    sampleRatio: 1,
    logger: silentLogger(),
    ...extra,
  });
  assert.ok(log);
  return log;
}

test('reopen: after the file is renamed, the next lines land in a new file at the path', async (t) => {
  const path = await logFile(t);
  const log = fileLog(path, { reopenSignal: null });
  log.onRequestEnd(record('/before', 200));
  await exists(path);
  await rename(path, `${path}.1`);
  log.onRequestEnd(record('/rotated', 200));
  await log.reopen();
  log.onRequestEnd(record('/after', 200));
  await log.close();
  assert.deepEqual(await paths(`${path}.1`), ['/before', '/rotated'], 'written before the reopen');
  assert.deepEqual(await paths(path), ['/after']);
});

test('SIGHUP reopens a file target, and no longer once the log is closed', async (t) => {
  const path = await logFile(t);
  const log = fileLog(path);
  const listeners = process.listenerCount('SIGHUP');
  assert.ok(listeners >= 1, 'the access log listens to SIGHUP');
  log.onRequestEnd(record('/one', 200));
  await exists(path);
  await rename(path, `${path}.1`);
  const delivered = once(process, 'SIGHUP');
  process.kill(process.pid, 'SIGHUP');
  await delivered;
  await exists(path);
  log.onRequestEnd(record('/two', 200));
  await log.close();
  assert.equal(process.listenerCount('SIGHUP'), listeners - 1);
  assert.deepEqual(await paths(`${path}.1`), ['/one']);
  assert.deepEqual(await paths(path), ['/two']);
});

test('a destination that does not keep up drops lines beyond its buffer, and counts them', async (t) => {
  const path = await logFile(t);
  const size = Buffer.byteLength(formatAccessLine(record('/0', 200), new Date().toISOString()));
  // Nothing is written before the file is open, so all ten lines meet a full buffer but two.
  const log = fileLog(path, { maxBufferBytes: Math.floor(size * 2.5), reopenSignal: null });
  for (let i = 0; i < 10; i++) log.onRequestEnd(record(`/${String(i)}`, 200));
  assert.equal(log.dropped, 8);
  await log.close();
  assert.deepEqual(await paths(path), ['/0', '/1']);
});

test('a stream given by a test is written to as it is, and never reopened', async () => {
  const { log, lines } = collect({});
  await log.reopen();
  log.onRequestEnd(record('/x', 200));
  assert.equal(lines.length, 1);
  assert.equal(log.dropped, 0);
});

test('routes with enable-access-log "false" have no line, errors included', () => {
  const { log, lines } = collect({});
  const quiet = { policies: { accessLog: false as const } } as unknown as PathRoute;
  for (const [path, status] of [
    ['/quiet', 200],
    ['/quiet-error', 502],
  ] as const) {
    const muted = record(path, status);
    muted.match = { kind: 'rule', route: quiet } as unknown as RouteMatch;
    log.onRequestEnd(muted);
  }
  log.onRequestEnd(record('/loud', 200));
  assert.deepEqual(
    lines.map((l) => l['path']),
    ['/loud'],
  );
});
