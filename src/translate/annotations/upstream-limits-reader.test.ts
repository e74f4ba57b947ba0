import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readAccessLog } from './access-log-reader.ts';
import { parseNginxSize } from './nginx-size.ts';
import { readUpstreamLimits } from './upstream-limits-reader.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;

test('sizes in nginx syntax, as ingress-nginx validates them', () => {
  assert.equal(parseNginxSize('0'), 0);
  assert.equal(parseNginxSize('1000'), 1000);
  assert.equal(parseNginxSize('512k'), 512 * 1024);
  assert.equal(parseNginxSize('8M'), 8 * 1024 * 1024);
  assert.equal(parseNginxSize('1g'), 1024 ** 3);
  assert.equal(parseNginxSize('10b'), 10);
  for (const bad of ['', '8 m', '8mb', '-1', '1.5m', 'm', '99999999999999999999g']) {
    assert.equal(typeof parseNginxSize(bad), 'object', bad);
  }
});

test('body size and timeouts become route policies', () => {
  const read = readUpstreamLimits({
    [n('proxy-body-size')]: ' 8m ',
    [n('proxy-connect-timeout')]: '5',
    [n('proxy-read-timeout')]: '3600',
    [n('proxy-send-timeout')]: '+30',
  });
  assert.deepEqual(read, {
    policies: {
      maxBodyBytes: 8 * 1024 * 1024,
      connectTimeoutMs: 5_000,
      readTimeoutMs: 3_600_000,
      sendTimeoutMs: 30_000,
    },
    problems: [],
  });
  assert.deepEqual(readUpstreamLimits({ [n('proxy-body-size')]: '0' }).policies, {
    maxBodyBytes: 0,
  });
  assert.deepEqual(readUpstreamLimits({ [n('proxy-read-timeout')]: '' }), {
    policies: {},
    problems: [],
  });
});

test('bad timeouts are ignored with a problem naming the annotation', () => {
  for (const bad of ['60s', '1.5', '0', '-5', 'soon', '9999999']) {
    const read = readUpstreamLimits({ [n('proxy-read-timeout')]: bad });
    assert.deepEqual(read.policies, {}, bad);
    const [problem] = read.problems;
    assert.ok(problem, bad);
    assert.equal(problem.code, 'IgnoredAnnotation', bad);
    assert.match(problem.message, /proxy-read-timeout is ignored/);
  }
  assert.match(
    readUpstreamLimits({ [n('proxy-send-timeout')]: '60s' }).problems[0]?.message ?? '',
    /60, not 60s/,
  );
});

test('enable-access-log: false turns the log off; other booleans change nothing', () => {
  assert.deepEqual(readAccessLog({ [n('enable-access-log')]: 'false' }).policies, {
    accessLog: false,
  });
  assert.deepEqual(readAccessLog({ [n('enable-access-log')]: 'F' }).policies, {
    accessLog: false,
  });
  assert.deepEqual(readAccessLog({ [n('enable-access-log')]: 'true' }), {
    policies: {},
    problems: [],
  });
  const bad = readAccessLog({ [n('enable-access-log')]: 'off' });
  assert.deepEqual(bad.policies, {});
  assert.equal(bad.problems[0]?.code, 'IgnoredAnnotation');
});
