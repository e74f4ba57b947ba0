// gRPC and the backend-protocol annotation through `pointsman serve --h2c`: a gRPC server (of
// @grpc/grpc-js) behind `backend-protocol: GRPC`, reached with TLS (h2 by ALPN) and with h2c;
// unary calls with OK and NOT_FOUND, a server stream with its trailing metadata, a
// bidirectional stream; a TLS gRPC server behind GRPCS, an HTTPS upstream behind HTTPS (both
// in ingress-nginx's spelling), and a gRPC call over HTTP/1.1 refused with its code.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { status, type Client, type ServiceError } from '@grpc/grpc-js';
import {
  callChat,
  callCount,
  callEcho,
  grpcClient,
  startGrpcEcho,
  type GrpcEcho,
} from '../helpers/grpc-echo.ts';
import {
  INGRESS_CLASS,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { createTestCa, tlsSecret, type TestCa } from '../helpers/tls-certificates.ts';

const run = promisify(execFile);

/** An Ingress for `host` to Service `service` port 80, with annotations and a TLS Secret. */
function annotatedIngress(
  host: string,
  service: string,
  annotations: Record<string, string>,
): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: service, namespace: 'default', annotations },
    spec: {
      tls: [{ hosts: [host], secretName: 'edge-tls' }],
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: service, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

describe('gRPC through pointsman serve', () => {
  let ca: TestCa;
  let grpcPlain: GrpcEcho;
  let grpcTls: GrpcEcho;
  let web: Server;
  let webServername: string | false | undefined;
  let serve: ServeProcess;
  let caPath: string;
  const clients: Client[] = [];

  before(async () => {
    ca = await createTestCa();
    const edge = await ca.issue({
      dns: ['grpc.example.com', 'grpcs.example.com', 'web.example.com'],
    });
    const upstream = await ca.issue({ dns: ['upstream.internal'] });
    grpcPlain = await startGrpcEcho();
    grpcTls = await startGrpcEcho(upstream);
    web = createServer({ cert: upstream.certPem, key: upstream.keyPem }, (req, res) => {
      webServername = (req.socket as { servername?: string | false }).servername;
      res.end(`web over TLS ${req.url ?? ''}`);
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const webPort = (web.address() as { port: number }).port;
    const dir = await manifestDir();
    await writeManifests(join(dir, 'app.yaml'), [
      INGRESS_CLASS,
      // Plain HTTP (h2c included) would be redirected to HTTPS, the host having a certificate.
      annotatedIngress('grpc.example.com', 'grpc', {
        'pointsman.dev/backend-protocol': 'GRPC',
        'pointsman.dev/ssl-redirect': 'false',
      }),
      annotatedIngress('grpcs.example.com', 'grpcs', {
        'nginx.ingress.kubernetes.io/backend-protocol': 'GRPCS',
      }),
      annotatedIngress('web.example.com', 'web', {
        'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
        'nginx.ingress.kubernetes.io/ssl-redirect': 'false',
      }),
      ...serviceWithEndpoints('grpc', [grpcPlain.port]),
      ...serviceWithEndpoints('grpcs', [grpcTls.port]),
      ...serviceWithEndpoints('web', [webPort]),
      tlsSecret('edge-tls', edge),
    ]);
    caPath = join(dir, 'ca.pem');
    await writeFile(caPath, ca.caPem);
    serve = await startServeProcess('serve', ['--manifests', dir, '--h2c']);
  });

  after(async () => {
    for (const client of clients) client.close();
    await serve.stop();
    await Promise.all([grpcPlain.close(), grpcTls.close(), ca.close()]);
    web.closeAllConnections();
    await new Promise((resolve) => web.close(resolve));
  });

  const overTls = (authority: string): Client => {
    const client = grpcClient(serve.httpsPort, { authority, ca: ca.caPem });
    clients.push(client);
    return client;
  };
  const overH2c = (authority: string): Client => {
    const client = grpcClient(serve.httpPort, { authority });
    clients.push(client);
    return client;
  };

  test('unary calls over TLS: OK with the answer, NOT_FOUND with its details', async () => {
    const client = overTls('grpc.example.com');
    const answer = await callEcho(client, 'hello');
    assert.equal(answer.text, 'hello');
    assert.equal(answer.authority, 'grpc.example.com');
    const error = (await callEcho(client, 'missing').then(
      () => assert.fail('NOT_FOUND expected'),
      (failure: unknown) => failure,
    )) as ServiceError;
    assert.equal(error.code, status.NOT_FOUND);
    assert.equal(error.details, 'no such text');
  });

  test('a server stream over TLS: every message, then OK and the trailing metadata', async () => {
    const result = await callCount(overTls('grpc.example.com'), 50);
    assert.equal(result.code, status.OK);
    assert.deepEqual(
      result.messages,
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
    assert.equal(result.trailer, '50');
  });

  test('a bidirectional stream over TLS: each answer before the next message', async () => {
    assert.deepEqual(await callChat(overTls('grpc.example.com'), ['a', 'b', 'c']), ['A', 'B', 'C']);
  });

  test('the same calls over h2c on the HTTP port', async () => {
    const client = overH2c('grpc.example.com');
    assert.equal((await callEcho(client, 'clear')).text, 'clear');
    await assert.rejects(callEcho(client, 'missing'), { code: status.NOT_FOUND });
    assert.equal((await callCount(client, 3)).trailer, '3');
    assert.deepEqual(await callChat(client, ['x', 'y']), ['X', 'Y']);
  });

  test('GRPCS: a gRPC server with TLS behind the proxy', async () => {
    const client = overTls('grpcs.example.com');
    assert.equal((await callEcho(client, 'secure')).text, 'secure');
    await assert.rejects(callEcho(client, 'missing'), { code: status.NOT_FOUND });
  });

  test('HTTPS: an upstream with TLS, named by its Service in SNI, reached with curl --http2', async () => {
    const { stdout } = await run('curl', [
      '-s',
      '--http2',
      '--cacert',
      caPath,
      '--resolve',
      `web.example.com:${String(serve.httpsPort)}:127.0.0.1`,
      '-w',
      '\n%{http_version} %{http_code}',
      `https://web.example.com:${String(serve.httpsPort)}/page`,
    ]);
    assert.equal(stdout, 'web over TLS /page\n2 200');
    assert.equal(webServername, 'web.default.svc');
  });

  test('a gRPC call over HTTP/1.1 is refused with 505 and its code', async () => {
    const { stdout } = await run('curl', [
      '-s',
      '--http1.1',
      '-o',
      '/dev/null',
      '-D',
      '-',
      '-H',
      'host: grpc.example.com',
      '-H',
      'content-type: application/grpc',
      '--data-binary',
      'x',
      `http://127.0.0.1:${String(serve.httpPort)}/pointsman.test.Echo/Echo`,
    ]);
    assert.match(stdout, /^HTTP\/1\.1 505 /);
    assert.match(stdout, /x-pointsman-error: PM_ERR_HTTP2_REQUIRED/i);
  });
});
