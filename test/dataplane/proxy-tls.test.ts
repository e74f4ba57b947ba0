// The HTTPS listener (certificates by SNI through the certificate store, HSTS, forwarded
// headers) and the redirect from plain HTTP, against in-process proxies sharing one table.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  CertificateStore,
  TableHolder,
  TLS_DEFAULTS,
  generateSelfSigned,
  httpsServerOptions,
} from '../../src/dataplane/index.ts';
import { silentLogger } from '../../src/observability/index.ts';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';
import { buildTestTable, loopback, tlsTables } from '../helpers/route-table.ts';
import { handshake, sendHttps } from '../helpers/tls-client.ts';

describe('HTTPS listener and redirects to it', () => {
  let echo: EchoUpstream;
  let ownHsts: Server;
  let http: RunningProxy;
  let https: RunningProxy;
  let httpOn443: RunningProxy;

  before(async () => {
    echo = await startEchoUpstream('echo');
    ownHsts = createServer((_req, res) => {
      res.setHeader('strict-transport-security', 'max-age=60');
      res.end('own');
    });
    await new Promise<void>((resolve) => ownHsts.listen(0, '127.0.0.1', resolve));
    const { tables, store } = tlsTables();
    tables.swap(
      buildTestTable({
        routes: [
          { host: 'secure.example.com', backend: 'echo', sslRedirect: true },
          { host: 'plain.example.com', backend: 'echo' },
          { host: 'own.example.com', backend: 'own' },
        ],
        backends: { echo: loopback(echo), own: loopback(ownHsts.address() as AddressInfo) },
      }),
    );
    https = await startProxy({
      tables,
      proto: 'https',
      hsts: 'max-age=100; includeSubDomains',
      tls: httpsServerOptions(store, TLS_DEFAULTS),
    });
    http = await startProxy({ tables, httpsRedirect: { port: 8443 } });
    httpOn443 = await startProxy({ tables, httpsRedirect: { port: 443 } });
  });

  after(async () => {
    await Promise.all([http.close(), https.close(), httpOn443.close(), echo.close()]);
    await new Promise((resolve) => ownHsts.close(resolve));
  });

  test('plain HTTP to a route with sslRedirect gets a 308 to the same URL on https', async () => {
    for (const method of ['GET', 'HEAD', 'POST']) {
      const reply = await send(http.port, {
        method,
        path: '/a/b?x=1&y',
        headers: { host: 'Secure.Example.com:8080' },
        ...(method === 'POST' ? { body: 'data' } : {}),
      });
      assert.equal(reply.status, 308, method);
      assert.equal(reply.headers.location, 'https://secure.example.com:8443/a/b?x=1&y');
      assert.equal(reply.headers['strict-transport-security'], undefined);
    }
  });

  test('port 443 is left out of the Location', async () => {
    const reply = await send(httpOn443.port, {
      path: '/',
      headers: { host: 'secure.example.com' },
    });
    assert.equal(reply.headers.location, 'https://secure.example.com/');
  });

  test('ACME HTTP-01 challenges and routes without sslRedirect are served over HTTP', async () => {
    const challenge = await send(http.port, {
      path: '/.well-known/acme-challenge/token',
      headers: { host: 'secure.example.com' },
    });
    assert.equal(challenge.status, 200);
    assert.equal(parseEcho(challenge.body).url, '/.well-known/acme-challenge/token');
    const sneaky = await send(http.port, {
      path: '/.well-known/acme-challenge/../admin',
      headers: { host: 'secure.example.com' },
    });
    assert.equal(sneaky.status, 308, 'the exception applies to the normalised path');
    const plain = await send(http.port, { headers: { host: 'plain.example.com' } });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['strict-transport-security'], undefined, 'HSTS over plain HTTP');
  });

  test('HTTPS answers carry HSTS and forward proto https with the listener port', async () => {
    const reply = await sendHttps(https.port, { servername: 'secure.example.com', path: '/x' });
    assert.equal(reply.status, 200, 'the HTTPS listener never redirects');
    assert.equal(reply.headers['strict-transport-security'], 'max-age=100; includeSubDomains');
    const echoed = parseEcho(reply.body);
    assert.equal(echoed.headers['x-forwarded-proto'], 'https');
    assert.equal(echoed.headers['x-forwarded-port'], String(https.port));
    assert.equal(reply.certificate.cn, 'fallback.invalid');
    assert.equal(reply.certificate.alpn, 'http/1.1');
  });

  test('error answers over HTTPS carry HSTS; an upstream keeps its own policy', async () => {
    const missing = await sendHttps(https.port, { servername: 'nowhere.example.com' });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['strict-transport-security'], 'max-age=100; includeSubDomains');
    const own = await sendHttps(https.port, { servername: 'own.example.com' });
    assert.equal(own.body, 'own');
    assert.equal(own.headers['strict-transport-security'], 'max-age=60');
  });
});

test('--ssl-min-version TLSv1.3 refuses TLS 1.2 clients', async () => {
  const settings = { ...TLS_DEFAULTS, minVersion: 'TLSv1.3' as const };
  const store = new CertificateStore({
    settings,
    fallback: generateSelfSigned({ dnsName: 'fallback.invalid' }),
    logger: silentLogger(),
  });
  const tables = new TableHolder({ certificates: store });
  const proxy = await startProxy({
    tables,
    proto: 'https',
    tls: httpsServerOptions(store, settings),
  });
  try {
    const modern = await handshake(proxy.port, { servername: 'a.example.com' });
    assert.equal(modern.protocol, 'TLSv1.3');
    // The server refuses the TLS 1.2 ClientHello with a protocol_version alert, as RFC 8446
    // has it; a handshake that breaks for any other reason must not pass here.
    await assert.rejects(
      handshake(proxy.port, { servername: 'a.example.com', maxVersion: 'TLSv1.2' }),
      { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', reason: 'tlsv1 alert protocol version' },
    );
  } finally {
    await proxy.close();
  }
});
