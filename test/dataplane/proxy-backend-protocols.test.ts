// Backends reached over TLS (HTTPS, GRPCS) or HTTP/2 (H2C, GRPC, GRPCS): what arrives at the
// upstream (SNI, :authority, TE, request trailers), what comes back (trailers), and the error
// codes when the protocol does not fit the upstream.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import {
  createSecureServer,
  createServer as createH2Server,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { generateSelfSigned, TableHolder } from '../../src/dataplane/index.ts';
import { h2Close, h2Connect, h2Request } from '../helpers/h2-client.ts';
import { parseRawResponse, send, sendRaw } from '../helpers/http-client.ts';
import { protocolTable } from '../helpers/protocol-table.ts';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.ts';

/** What an upstream saw of the last request. */
interface Seen {
  servername: string | false | undefined;
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  body: string;
}

function portOf(server: { address(): unknown }): number {
  return (server.address() as AddressInfo).port;
}

async function listen(server: { listen(port: number, host: string, done: () => void): unknown }) {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
}

/** An HTTP/2 upstream answering every stream with its request body, and trailers. */
function answerStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, seen: Seen): void {
  stream.on('error', () => undefined);
  const chunks: Buffer[] = [];
  seen.headers = headers;
  seen.trailers = {};
  seen.servername = (stream.session?.socket as { servername?: string | false } | undefined)
    ?.servername;
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('trailers', (trailers: IncomingHttpHeaders) => {
    seen.trailers = trailers;
  });
  stream.on('end', () => {
    seen.body = Buffer.concat(chunks).toString();
    stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => {
      stream.sendTrailers({ 'grpc-status': '0', 'x-length': String(seen.body.length) });
    });
    stream.end(`h2 got ${seen.body}`);
  });
}

describe('backend protocols', () => {
  const seen: Seen = { servername: undefined, headers: {}, trailers: {}, body: '' };
  const certificate = generateSelfSigned({ dnsName: 'upstream.invalid' });
  let httpsUpstream: HttpsServer;
  let h2cUpstream: Http2Server;
  let h2sUpstream: Http2SecureServer;
  let h1Only: Server;
  let proxy: RunningProxy;
  let h2Proxy: RunningProxy;

  before(async () => {
    httpsUpstream = createHttpsServer(
      { cert: certificate.certPem, key: certificate.keyPem },
      (req, res) => {
        seen.servername = (req.socket as { servername?: string | false }).servername;
        seen.headers = req.headers;
        res.end(`tls ${req.url ?? ''}`);
      },
    );
    // Upgrades too: a 101, then every byte echoed, with the SNI the tunnel came with.
    httpsUpstream.on('upgrade', (req, socket) => {
      seen.servername = (req.socket as { servername?: string | false }).servername;
      socket.on('error', () => undefined);
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n',
      );
      socket.pipe(socket);
    });
    h2cUpstream = createH2Server();
    h2cUpstream.on('stream', (stream, headers) => {
      answerStream(stream, headers, seen);
    });
    h2sUpstream = createSecureServer({ cert: certificate.certPem, key: certificate.keyPem });
    h2sUpstream.on('stream', (stream, headers) => {
      answerStream(stream, headers, seen);
    });
    h1Only = createHttpServer((_req, res) => res.end('http/1.1 only'));
    for (const server of [httpsUpstream, h2cUpstream, h2sUpstream, h1Only]) await listen(server);
    const tables = new TableHolder();
    tables.swap(
      protocolTable([
        { host: 'tls.example.com', port: portOf(httpsUpstream), protocol: 'HTTPS', service: 'web' },
        { host: 'not-tls.example.com', port: portOf(h1Only), protocol: 'HTTPS' },
        { host: 'h2c.example.com', port: portOf(h2cUpstream), protocol: 'H2C' },
        { host: 'not-h2.example.com', port: portOf(h1Only), protocol: 'H2C' },
        { host: 'grpc.example.com', port: portOf(h2cUpstream), protocol: 'GRPC' },
        { host: 'grpcs.example.com', port: portOf(h2sUpstream), protocol: 'GRPCS', service: 'api' },
      ]),
    );
    proxy = await startProxy({ tables });
    h2Proxy = await startProxy({ tables, http2: true });
  });

  after(async () => {
    await Promise.all([proxy.close(), h2Proxy.close()]);
    httpsUpstream.closeAllConnections();
    h1Only.closeAllConnections();
    await Promise.all(
      [httpsUpstream, h2cUpstream, h2sUpstream, h1Only].map(
        (server) => new Promise((resolve) => server.close(resolve)),
      ),
    );
  });

  test('HTTPS: TLS to the upstream, the Service named in SNI, the certificate not checked', async () => {
    for (const path of ['/one', '/two']) {
      const reply = await send(proxy.port, { path, headers: { host: 'tls.example.com' } });
      assert.equal(reply.status, 200);
      assert.equal(reply.body, `tls ${path}`);
    }
    assert.equal(seen.servername, 'web.test.svc');
    assert.equal(seen.headers.host, 'tls.example.com');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
  });

  test('HTTPS: an Upgrade is tunnelled over TLS to the upstream', async () => {
    seen.servername = undefined;
    const socket = connect(proxy.port, '127.0.0.1');
    socket.on('error', () => undefined);
    let received = '';
    const until = (text: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(received)}`));
        }, 5_000);
        const check = (): void => {
          if (!received.includes(text)) return;
          clearTimeout(timer);
          socket.off('data', onData);
          resolve();
        };
        const onData = (chunk: Buffer): void => {
          received += chunk.toString();
          check();
        };
        socket.on('data', onData);
        check();
      });
    socket.write(
      'GET /tunnel HTTP/1.1\r\nHost: tls.example.com\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n',
    );
    await until('\r\n\r\n');
    assert.match(received, /^HTTP\/1\.1 101 /);
    socket.write('ping through TLS');
    await until('ping through TLS');
    socket.destroy();
    assert.equal(seen.servername, 'web.test.svc');
  });

  test('HTTPS to an upstream without TLS: 502 PM_ERR_UPSTREAM_TLS', async () => {
    const reply = await send(proxy.port, { headers: { host: 'not-tls.example.com' } });
    assert.equal(reply.status, 502);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_TLS');
  });

  test('H2C from an HTTP/1.1 client: :authority, TE trailers and request trailers forwarded', async () => {
    const text = await sendRaw(
      proxy.port,
      'POST /up HTTP/1.1\r\nHost: h2c.example.com\r\nTE: trailers\r\nConnection: TE, close\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Digest: d1\r\n\r\n',
    );
    const response = parseRawResponse(text);
    assert.equal(response.status, 200);
    assert.match(response.body, /h2 got hello/);
    assert.match(response.body, /grpc-status: 0/i, 'response trailers in the last chunk');
    assert.equal(seen.headers[':authority'], 'h2c.example.com');
    assert.equal(seen.headers[':scheme'], 'http');
    assert.equal(seen.headers['te'], 'trailers');
    assert.equal(seen.trailers['x-digest'], 'd1');
  });

  test('H2C from an HTTP/2 client: streams both ways, trailers both ways', async () => {
    const session = await h2Connect(h2Proxy.port);
    const reply = await h2Request(session, {
      method: 'POST',
      authority: 'h2c.example.com',
      body: 'ping',
      trailers: { 'x-request-trailer': 'yes' },
    });
    assert.equal(reply.body.toString(), 'h2 got ping');
    assert.equal(reply.trailers['grpc-status'], '0');
    assert.equal(reply.trailers['x-length'], '4');
    assert.equal(seen.trailers['x-request-trailer'], 'yes');
    await h2Close(session);
  });

  test('H2C to an upstream that speaks only HTTP/1.1: 502 PM_ERR_UPSTREAM_PROTOCOL', async () => {
    const reply = await send(proxy.port, { headers: { host: 'not-h2.example.com' } });
    assert.equal(reply.status, 502);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_UPSTREAM_PROTOCOL');
  });

  test('GRPC: a gRPC call over HTTP/1.1 gets 505; gRPC-Web and plain requests pass', async () => {
    const grpc = await send(proxy.port, {
      method: 'POST',
      headers: { host: 'grpc.example.com', 'content-type': 'application/grpc+proto' },
      body: 'x',
    });
    assert.equal(grpc.status, 505);
    assert.equal(grpc.headers['x-pointsman-error'], 'PM_ERR_HTTP2_REQUIRED');
    const web = await send(proxy.port, {
      method: 'POST',
      headers: { host: 'grpc.example.com', 'content-type': 'application/grpc-web' },
      body: 'x',
    });
    assert.equal(web.status, 200);
    const plain = await send(proxy.port, { headers: { host: 'grpc.example.com' } });
    assert.equal(plain.status, 200);
  });

  test('GRPCS: HTTP/2 over TLS to the upstream, the Service named in SNI', async () => {
    const session = await h2Connect(h2Proxy.port);
    const reply = await h2Request(session, {
      method: 'POST',
      authority: 'grpcs.example.com',
      headers: { 'content-type': 'application/grpc', te: 'trailers' },
      body: 'call',
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.trailers['grpc-status'], '0');
    assert.equal(seen.servername, 'api.test.svc');
    assert.equal(seen.headers[':scheme'], 'https');
    assert.equal(seen.headers['te'], 'trailers');
    await h2Close(session);
  });
});
