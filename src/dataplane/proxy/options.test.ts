import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../observability/index.ts';
import { createProxy } from './create-proxy.ts';
import { PROXY_DEFAULTS, proxySettings, validateProxySettings } from './options.ts';
import { isTrusted, parseTrustedProxies } from './trusted-proxies.ts';
import { clientAddress } from './client-address.ts';

const BASE = { tables: { current: null }, logger: silentLogger() };

test('defaults', () => {
  assert.deepEqual(PROXY_DEFAULTS, {
    proto: 'http',
    connectTimeoutMs: 5_000,
    retries: { on: new Set(['error', 'timeout']), tries: 3, timeoutMs: 0 },
    responseHeadersTimeoutMs: 60_000,
    responseBodyTimeoutMs: 60_000,
    upstreamKeepAliveTimeoutMs: 4_000,
    maxBodyBytes: 0,
    trustedProxies: [],
    forwardedForHeader: 'X-Forwarded-For',
    proxyProtocol: false,
    proxyProtocolTimeoutMs: 5_000,
    maxHeaderSize: 16_384,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 300_000,
    keepAliveTimeoutMs: 60_000,
    maxConnections: 10_000,
    maxConnectionsPerClient: 1_000,
    tunnelIdleTimeoutMs: 60_000,
    tls: null,
    hsts: 'max-age=31536000',
    httpsRedirect: { port: 443 },
    http2: false,
  });
  assert.deepEqual(validateProxySettings(PROXY_DEFAULTS), []);
});

test('client address: a header name, and PROXY protocol only with trusted proxies', () => {
  const problems = validateProxySettings(
    proxySettings({ ...BASE, forwardedForHeader: 'X-Bad Header', proxyProtocol: true }),
  );
  assert.deepEqual(problems, [
    'forwardedForHeader must be a header name',
    'proxyProtocol needs trustedProxies: the balancers whose PROXY headers to believe',
  ]);
  const good = proxySettings({ ...BASE, proxyProtocol: true, trustedProxies: ['10.0.0.0/8'] });
  assert.deepEqual(validateProxySettings(good), []);
});

test('HTTPS settings: TLS needs proto https, a redirect port in range, a printable HSTS', () => {
  const problems = validateProxySettings(
    proxySettings({
      ...BASE,
      tls: {},
      httpsRedirect: { port: 70_000 },
      hsts: 'max-age=1\r\nx-injected: 1',
    }),
  );
  assert.deepEqual(problems, [
    'tls needs proto https',
    'httpsRedirect.port must be a port number from 1 to 65535',
    'hsts must be printable ASCII',
  ]);
  const https = proxySettings({ ...BASE, proto: 'https', tls: {}, httpsRedirect: { port: 8443 } });
  assert.deepEqual(validateProxySettings(https), []);
});

test('given options override defaults, undefined ones do not', () => {
  const partial: Record<string, unknown> = { connectTimeoutMs: 7, maxConnections: undefined };
  const settings = proxySettings({ ...BASE, ...partial });
  assert.equal(settings.connectTimeoutMs, 7);
  assert.equal(settings.maxConnections, 10_000);
  assert.equal('tables' in settings, false);
});

test('every bad setting is reported', () => {
  const problems = validateProxySettings(
    proxySettings({
      ...BASE,
      connectTimeoutMs: 0,
      requestTimeoutMs: -1,
      maxHeaderSize: 10,
      maxConnections: 1.5,
      headersTimeoutMs: Number.NaN,
      trustedProxies: ['10.0.0.0/8', 'nope', '10.0.0.0/33', '::1/129', '1.2.3.4/8/9'],
    }),
  );
  assert.equal(problems.length, 9, problems.join('\n'));
  assert.throws(() => createProxy({ ...BASE, connectTimeoutMs: -5 }), RangeError);
});

test('connection limits: the per-client share follows maxConnections unless given', () => {
  assert.equal(proxySettings({ ...BASE, maxConnections: 40 }).maxConnectionsPerClient, 4);
  assert.equal(proxySettings({ ...BASE, maxConnections: 9 }).maxConnectionsPerClient, 1);
  const given = proxySettings({ ...BASE, maxConnections: 40, maxConnectionsPerClient: 40 });
  assert.equal(given.maxConnectionsPerClient, 40);
  const problems = validateProxySettings(
    proxySettings({ ...BASE, maxConnectionsPerClient: 0, tunnelIdleTimeoutMs: -1 }),
  );
  assert.deepEqual(problems, [
    'tunnelIdleTimeoutMs must be an integer >= 0',
    'maxConnectionsPerClient must be a positive integer',
  ]);
  assert.deepEqual(validateProxySettings(proxySettings({ ...BASE, tunnelIdleTimeoutMs: 0 })), []);
});

test('headersTimeoutMs may not exceed a requestTimeoutMs that is on', () => {
  const over = proxySettings({ ...BASE, headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 });
  assert.equal(validateProxySettings(over).length, 1);
  const off = proxySettings({ ...BASE, headersTimeoutMs: 20_000, requestTimeoutMs: 0 });
  assert.deepEqual(validateProxySettings(off), []);
});

test('trusted proxies: addresses and ranges, both families', () => {
  const { list, problems } = parseTrustedProxies(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);
  assert.deepEqual(problems, []);
  assert.equal(isTrusted(list, '10.1.2.3'), true);
  assert.equal(isTrusted(list, '192.0.2.7'), true);
  assert.equal(isTrusted(list, '192.0.2.8'), false);
  assert.equal(isTrusted(list, 'fd12::1'), true);
  assert.equal(isTrusted(list, '2001:db8::1'), false);
  assert.equal(isTrusted(list, ''), false);
  assert.equal(isTrusted(parseTrustedProxies([]).list, '10.0.0.1'), false);
});

test('IPv4-mapped client addresses are shown as IPv4', () => {
  assert.equal(clientAddress('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(clientAddress('::1'), '::1');
  assert.equal(clientAddress(undefined), '');
});
