// Hitless certificate rotation: the Secret of a host is rewritten back and forth while clients
// keep opening new HTTPS connections that verify the certificate; no request fails, every round
// carries load, new handshakes get the new certificate, and a keep-alive connection opened
// before keeps going.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { TLSSocket } from 'node:tls';
import { startEchoUpstream } from '../helpers/echo-upstream.ts';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess } from '../helpers/serve-process.ts';
import { createTestCa, tlsSecret, type IssuedCertificate } from '../helpers/tls-certificates.ts';
import { handshake, sendHttps } from '../helpers/tls-client.ts';
import { until } from '../helpers/until.ts';

const HOST = 'rotate.example.com';
const ROTATIONS = 6;
/** Load requests each round must carry once its certificate is live. */
const PER_ROUND = 5;

/**
 * Where the rotation stands: `round` 0 is the first certificate; `live` turns true once a
 * probe handshake got the round's certificate. A new object at every step, so a request can
 * tell whether anything changed while it ran.
 */
interface Phase {
  readonly round: number;
  readonly live: boolean;
}

/** One load request that got its answer. */
interface Served {
  readonly round: number;
  readonly fingerprint: string;
  /** Started and finished within one phase in which the round's certificate was live. */
  readonly steady: boolean;
}

/** A GET on the keep-alive agent's one connection: its status and that socket. */
function viaAgent(port: number, agent: Agent, ca: string) {
  return new Promise<{ status: number; socket: TLSSocket }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, servername: HOST, headers: { host: HOST }, agent, ca },
      (res) => {
        const socket = res.socket;
        if (!(socket instanceof TLSSocket)) {
          reject(new Error('the response did not come over TLS'));
          return;
        }
        res.resume();
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, socket });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('rotating a certificate under load: zero failed requests, open connections kept', async (t) => {
  const ca = await createTestCa();
  const echo = await startEchoUpstream('web');
  const certificates: IssuedCertificate[] = [
    await ca.issue({ dns: [HOST] }),
    await ca.issue({ dns: [HOST] }),
  ];
  const dir = await manifestDir();
  const app = [
    INGRESS_CLASS,
    ingress('app', HOST, { '/': 'web' }),
    ...serviceWithEndpoints('web', [echo.port]),
  ];
  const withTls = (app[1] as { spec: Record<string, unknown> }).spec;
  withTls['tls'] = [{ hosts: [HOST], secretName: 'rotate-tls' }];
  await writeManifests(join(dir, 'app.yaml'), app);
  const secretFile = join(dir, 'secret.yaml');
  await writeManifests(secretFile, [tlsSecret('rotate-tls', certificates[0] as IssuedCertificate)]);
  const serve = await startServeProcess('serve', ['--manifests', dir]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const port = serve.httpsPort;
    const fingerprints = certificates.map(
      (certificate) => new X509Certificate(certificate.certPem).fingerprint256,
    );
    const kept = await viaAgent(port, agent, ca.caPem);
    assert.equal(kept.status, 200);
    assert.equal(kept.socket.getPeerCertificate().fingerprint256, fingerprints[0]);

    const load = { stop: false };
    let phase: Phase = { round: 0, live: true };
    let sent = 0;
    const failures: string[] = [];
    const served: Served[] = [];
    const steadyIn = (round: number) =>
      served.filter((entry) => entry.round === round && entry.steady).length;
    // Four clients, each opening a new connection (a full handshake) per request.
    const clients = Array.from({ length: 4 }, async () => {
      const deadline = Date.now() + 60_000;
      while (!load.stop && Date.now() < deadline) {
        sent++;
        const started = phase;
        try {
          const reply = await sendHttps(port, { servername: HOST, ca: ca.caPem });
          if (reply.status !== 200) failures.push(`${String(reply.status)} ${reply.body}`);
          const { fingerprint } = reply.certificate;
          served.push({
            round: started.round,
            fingerprint,
            steady: started.live && phase === started,
          });
        } catch (error) {
          failures.push(String(error));
        }
      }
    });

    await until(() => steadyIn(0) >= PER_ROUND, 20_000);
    for (let round = 1; round <= ROTATIONS; round++) {
      const next = round % 2;
      phase = { round, live: false };
      await writeManifests(secretFile, [
        tlsSecret('rotate-tls', certificates[next] as IssuedCertificate),
      ]);
      // New handshakes see the new certificate once its table is live.
      const deadline = Date.now() + 10_000;
      let seen = '';
      while (seen !== fingerprints[next]) {
        assert.ok(Date.now() < deadline, `round ${String(round)}: the certificate did not change`);
        seen = (await handshake(port, { servername: HOST, ca: ca.caPem })).fingerprint;
      }
      phase = { round, live: true };
      // The round ends only once the load has used its certificate for a while.
      await until(() => steadyIn(round) >= PER_ROUND, 20_000);
    }
    load.stop = true;
    await Promise.all(clients);

    const again = await viaAgent(port, agent, ca.caPem);
    assert.equal(again.status, 200);
    assert.equal(again.socket, kept.socket, 'the keep-alive connection was closed');
    assert.equal(again.socket.getPeerCertificate().fingerprint256, fingerprints[0]);
    assert.deepEqual(failures, [], `${String(failures.length)} of ${String(sent)} requests failed`);
    const seenByLoad = new Set(served.map((entry) => entry.fingerprint));
    assert.deepEqual(
      [...seenByLoad].sort(),
      [...fingerprints].sort(),
      'the load saw both certificates, and no other',
    );
    for (let round = 0; round <= ROTATIONS; round++) {
      const carried = served.filter((entry) => entry.round === round);
      assert.ok(
        carried.length >= PER_ROUND,
        `round ${String(round)} carried ${String(carried.length)}`,
      );
      // Once a probe got the new certificate, so does every handshake after it.
      const expected = fingerprints[round % 2];
      const stale = carried.filter((entry) => entry.steady && entry.fingerprint !== expected);
      assert.deepEqual(stale, [], `round ${String(round)}: an old certificate after the swap`);
    }
    const swaps = serve.logs.filter((entry) => entry['msg'] === 'route table live').length;
    assert.ok(swaps > ROTATIONS, `only ${String(swaps)} route tables went live`);
    const perRound = Array.from(
      { length: ROTATIONS + 1 },
      (_, round) => served.filter((entry) => entry.round === round).length,
    );
    t.diagnostic(
      `${String(sent)} HTTPS requests over ${String(ROTATIONS)} rotations (per round: ${perRound.join(', ')}), 0 failures`,
    );
  } finally {
    agent.destroy();
    await serve.stop();
    await echo.close();
    await ca.close();
  }
});
