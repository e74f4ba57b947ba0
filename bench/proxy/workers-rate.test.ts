import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { autoRate, fixedRateCommand, fixedRateRun, splitRate } from './fixed-rate.ts';
import { h2loadArgs, parseH2load } from './h2load.ts';
import { renderTemplate } from './nginx.ts';
import { parseOptions } from './options.ts';
import { serveArgs } from './pointsman.ts';
import { peerRatios, type Role, type Row } from './report.ts';

test('--workers takes a list of distinct counts, 1,2 by default', () => {
  assert.deepEqual(parseOptions([])?.workers, [1, 2]);
  assert.deepEqual(parseOptions(['--workers', '1'])?.workers, [1]);
  assert.deepEqual(parseOptions(['--workers', '2, 1,2'])?.workers, [2, 1]);
  for (const bad of ['0', '1,x', '', '1.5', '65', '1,2,3,4,5,6,7,8,9']) {
    assert.throws(() => parseOptions(['--workers', bad]), /--workers/, bad);
  }
});

test('--fixed-rate takes a rate, auto or off, and its runs count in the timeout', () => {
  assert.equal(parseOptions([])?.fixedRate, 'auto');
  assert.equal(parseOptions(['--fixed-rate', '5000'])?.fixedRate, 5000);
  assert.equal(parseOptions(['--fixed-rate', 'off'])?.fixedRate, 'off');
  assert.throws(() => parseOptions(['--fixed-rate', '-1']), /--fixed-rate/);
  assert.throws(() => parseOptions(['--fixed-rate', 'half']), /--fixed-rate/);
  assert.equal(parseOptions([])?.rateClients, 50);
  const base = ['--scenarios', 'http', '--routes', '0', '--telemetry', 'off', '--haproxy', 'off'];
  const timeout = (more: string[]): number | undefined =>
    parseOptions([...base, '--workers', '1', '--rounds', '1', ...more])?.timeout;
  // 2 saturation runs (nginx w1, pointsman w1) plus 2 fixed-rate runs of 10 + 3 + 5 s, + 180 s.
  assert.equal(timeout([]), 4 * 18 + 180);
  assert.equal(timeout(['--fixed-rate', 'off']), 2 * 18 + 180);
});

test('serve always gets --workers N (its own default is auto), 1 when none is asked', () => {
  const workersOf = (args: string[]): string | undefined => args[args.indexOf('--workers') + 1];
  assert.equal(workersOf(serveArgs('DIR', { workers: 1 })), '1');
  assert.equal(workersOf(serveArgs('DIR')), '1');
  assert.equal(workersOf(serveArgs('DIR', { workers: 2 })), '2');
});

test('every template renders with its worker or thread count', () => {
  const values = {
    DIR: '/tmp/x',
    PORT: '1',
    BACKEND_PORT: '2',
    BODY: 'b',
    WORKERS: '2',
    THREADS: '2',
  };
  for (const name of ['nginx-backend.conf', 'nginx-proxy.conf', 'nginx-proxy-tls.conf']) {
    const text = readFileSync(join(import.meta.dirname, `${name}.template`), 'utf8');
    assert.match(renderTemplate(text, values), /^worker_processes 2;$/m, name);
  }
  const haproxy = readFileSync(join(import.meta.dirname, 'haproxy.cfg.template'), 'utf8');
  assert.match(renderTemplate(haproxy, values), /^\s+nbthread 2$/m);
});

test('the fixed rate is half the slowest saturation rate, shared by the clients', () => {
  assert.equal(autoRate([14013.4, 42258, Number.NaN, 9001]), 4500);
  assert.equal(autoRate([]), 1);
  assert.deepEqual(splitRate(4500, 50), { clients: 50, rpsPerClient: 90, offered: 4500 });
  assert.deepEqual(splitRate(1000, 3), { clients: 3, rpsPerClient: 333.333, offered: 1000 });
  assert.deepEqual(splitRate(20, 50), { clients: 20, rpsPerClient: 1, offered: 20 });
});

test('the fixed-rate run is HTTP/1.1 over plain TCP, one request in flight per client', () => {
  const run = fixedRateRun('/usr/bin/h2load', 8080, 10, splitRate(4500, 50), '/tmp/d');
  const args = h2loadArgs(run);
  const expected = ['--h1', '--rps=90', '-c50', '-m1', '-r1', '--rate-period=1ms', '-n45000'];
  for (const arg of [...expected, 'http://127.0.0.1:8080/']) assert.ok(args.includes(arg), arg);
  assert.ok(!args.some((arg) => arg.startsWith('--warm-up-time') || arg.startsWith('-D')));
  // Below 1,000 req/s the connections open further apart: one per 1000 / rate ms.
  const slow = h2loadArgs(fixedRateRun('h2load', 1, 4, splitRate(250, 50), '/tmp/d'));
  assert.ok(
    slow.includes('--rate-period=4ms') && slow.includes('-n1000') && slow.includes('--rps=5'),
  );
  assert.equal(
    fixedRateCommand(splitRate(4500, 50), 10),
    "h2load -t1 -c50 -m1 -r1 --rate-period=1ms -n45000 --h1 --rps=90 -H ':authority: bench.example.com' " +
      "--log-file=LOG 'http://127.0.0.1:PORT/'",
  );
});

// What h2load 1.52 printed for `h2load --h1 -t1 -c10 -m1 --rps=25.5 -D2 --warm-up-time=1`.
const H1_OUTPUT = `starting benchmark...
spawning thread #0: 10 total client(s). Timing-based test with 1s of warm-up time and 2s of main duration for measurements.
Warm-up started for thread #0.
progress: 100% of clients started
Application protocol: http/1.1
Warm-up phase is over for thread #0.
Main benchmark duration is started for thread #0.
Main benchmark duration is over for thread #0. Stopping all clients.
Stopped all clients for thread #0

finished in 3.00s, 255.00 req/s, 34.86KB/s
requests: 510 total, 510 started, 510 done, 510 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 510 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 69.73KB (71400) total, 66.17KB (67760) headers (space savings 0.00%), 12.78KB (13090) data
                     min         max         mean         sd        +/- sd
time for request:      416us      8.04ms      1.31ms      1.12ms    95.88%
req/s           :      25.49       25.50       25.50        0.00    70.00%
`;

test('parseH2load reads the HTTP/1.1 output of a rate-limited run', () => {
  const log = ['1796294276505963\t200\t584', '1796294276505962\t200\t926', ''].join('\n');
  const result = parseH2load(H1_OUTPUT, log);
  assert.equal(result.requestsPerSecond, 255);
  assert.equal(result.requests, 510);
  assert.equal(result.non2xx, 0);
  assert.equal(result.socketErrors, undefined);
  assert.equal(result.p99Ms, 0.926);
});

function row(role: Role, workers: number, label: string, p99Ms: number): Row {
  const summary = {
    label,
    requestsPerSecond: 1000,
    p50Ms: 1,
    p99Ms,
    cpuUsPerRequest: 10,
    rssMiB: 1,
    largestProcessRssMiB: 1,
    errors: 0,
    backendCpuUsPerRequest: 1,
  };
  return { role, workers, summary };
}

test('ratios pair each proxy with nginx of the same worker count, and pointsman with HAProxy', () => {
  const rows = [
    row('nginx', 1, 'nginx w1', 2),
    row('pointsman', 1, 'pointsman w1', 6),
    row('nginx', 2, 'nginx w2', 1),
    row('pointsman', 2, 'pointsman w2', 4),
    row('haproxy', 2, 'haproxy', 2),
  ];
  assert.deepEqual(peerRatios(rows, ['p99']), [
    'pointsman w1 / nginx w1: p99 3.00',
    'pointsman w2 / nginx w2: p99 4.00',
    'haproxy / nginx w2: p99 2.00',
    'pointsman w2 / haproxy: p99 2.00',
  ]);
});
