// --default-ssl-certificate: the Secret served without SNI and for unknown names, checked like
// any TLS Secret, and rotated without a restart (the listener's own context is replaced,
// keeping its session ticket keys).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { INGRESS_CLASS, manifestDir, writeManifests } from '../helpers/manifests.ts';
import { startServeProcess } from '../helpers/serve-process.ts';
import { createTestCa, tlsSecret, type IssuedCertificate } from '../helpers/tls-certificates.ts';
import { handshake } from '../helpers/tls-client.ts';

/** A TLS 1.2 handshake without SNI, resuming `session` when given. */
function connectWithoutSni(port: number, session?: Buffer) {
  return new Promise<{ reused: boolean; session: Buffer | undefined; fingerprint: string }>(
    (resolve, reject) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        rejectUnauthorized: false,
        maxVersion: 'TLSv1.2',
        ...(session === undefined ? {} : { session }),
      });
      socket.once('secureConnect', () => {
        const result = {
          reused: socket.isSessionReused(),
          session: socket.getSession(),
          fingerprint: socket.getPeerCertificate().fingerprint256,
        };
        socket.end();
        resolve(result);
      });
      socket.once('error', reject);
    },
  );
}

test('the default certificate comes from its Secret and rotates without a restart', async () => {
  const ca = await createTestCa();
  const first = await ca.issue({ dns: ['fallback.example.com'] });
  const second = await ca.issue({ dns: ['fallback.example.com'] });
  const fingerprint = (certificate: IssuedCertificate) =>
    new X509Certificate(certificate.certPem).fingerprint256;
  const dir = await manifestDir();
  await writeManifests(join(dir, 'class.yaml'), [INGRESS_CLASS]);
  const secretFile = join(dir, 'secret.yaml');
  await writeManifests(secretFile, [tlsSecret('fallback-tls', first)]);
  const serve = await startServeProcess('serve', [
    '--manifests',
    dir,
    '--default-ssl-certificate',
    'default/fallback-tls',
  ]);
  try {
    const port = serve.httpsPort;
    const before = await connectWithoutSni(port);
    assert.equal(before.fingerprint, fingerprint(first), 'no SNI');
    const unknown = await handshake(port, { servername: 'unknown.example.com' });
    assert.equal(unknown.fingerprint, fingerprint(first), 'unknown name');

    await writeManifests(secretFile, [tlsSecret('fallback-tls', second)]);
    const deadline = Date.now() + 10_000;
    let now = before;
    while (now.fingerprint !== fingerprint(second)) {
      assert.ok(Date.now() < deadline, 'the default certificate did not change');
      now = await connectWithoutSni(port);
    }
    assert.equal(
      (await handshake(port, { servername: 'unknown.example.com' })).fingerprint,
      fingerprint(second),
    );
    const resumed = await connectWithoutSni(port, before.session);
    assert.equal(resumed.reused, true, 'session tickets did not survive the change');
  } finally {
    await serve.stop();
    await ca.close();
  }
});

test('an unusable default certificate Secret is reported, and the generated one served', async () => {
  const dir = await manifestDir();
  await writeManifests(join(dir, 'class.yaml'), [INGRESS_CLASS]);
  const serve = await startServeProcess('serve', [
    '--manifests',
    dir,
    '--default-ssl-certificate',
    'default/missing',
  ]);
  try {
    const shown = await handshake(serve.httpsPort);
    assert.equal(shown.cn, 'pointsman-default.invalid');
    const warning = serve.logs.find((entry) => entry['code'] === 'SecretNotFound');
    assert.ok(warning, 'no warning about the missing Secret');
  } finally {
    await serve.stop();
  }
});
