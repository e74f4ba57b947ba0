import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTemplate } from './nginx.ts';
import { median } from './report.ts';
import { parseH2load } from './h2load.ts';
import { parseWrk, wrkMaxLatencyMs } from './wrk.ts';

const WRK_OUTPUT = `Running 10s test @ http://127.0.0.1:40000/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.61ms    9.12ms   1.02s    95.00%
    Req/Sec     4.27k   300.00     4.90k    70.00%
  Latency Distribution
     50%  850.00us
     75%   11.50ms
     90%   14.20ms
     99%    1.20s
  42660 requests in 10.00s, 9.85MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:   4266.01
Transfer/sec:      0.98MB
`;

test('parseWrk reads rate, count, percentiles in any unit, and errors', () => {
  const result = parseWrk(WRK_OUTPUT);
  assert.equal(result.requestsPerSecond, 4266.01);
  assert.equal(result.requests, 42660);
  assert.equal(result.p50Ms, 0.85);
  assert.equal(result.p99Ms, 1200);
  assert.equal(result.non2xx, 7);
  assert.equal(result.socketErrors, 'connect 0, read 2, write 0, timeout 1');
});

test('wrkMaxLatencyMs reads the Max column of the Latency line', () => {
  assert.equal(wrkMaxLatencyMs(WRK_OUTPUT), 1020);
  assert.equal(wrkMaxLatencyMs(WRK_OUTPUT.replace('1.02s', '9.64ms')), 9.64);
  assert.ok(Number.isNaN(wrkMaxLatencyMs('unable to connect')));
});

test('parseWrk refuses output without a request rate', () => {
  assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused'), /wrk/);
});

test('median takes the middle value, or the mean of the middle two', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('renderTemplate fills every placeholder and refuses a missing value', () => {
  assert.equal(
    renderTemplate('listen {{HOST}}:{{PORT}};', { HOST: '127.0.0.1', PORT: '8' }),
    'listen 127.0.0.1:8;',
  );
  assert.throws(() => renderTemplate('{{PORT}} {{DIR}}', { PORT: '1' }), /\{\{DIR\}\}/);
});

const H2LOAD_OUTPUT = `starting benchmark...
finished in 10.00s, 12345.60 req/s, 3.01MB/s
requests: 123456 total, 123500 started, 123456 done, 123450 succeeded, 6 failed, 1 errored, 0 timeout
status codes: 123450 2xx, 0 3xx, 3 4xx, 2 5xx
`;

test('parseH2load reads rate, count and errors, and percentiles from the request log', () => {
  const log = Array.from(
    { length: 100 },
    (_, i) => `1700000000000000\t200\t${String((i + 1) * 1000)}`,
  ).join('\n');
  const result = parseH2load(H2LOAD_OUTPUT, `${log}\n`);
  assert.equal(result.requestsPerSecond, 12345.6);
  assert.equal(result.requests, 123456);
  assert.equal(result.non2xx, 6);
  assert.equal(result.p50Ms, 51);
  assert.equal(result.p99Ms, 100);
  assert.equal(result.socketErrors, '1 errored');
  assert.throws(() => parseH2load('no such thing', ''), /h2load/);
});
