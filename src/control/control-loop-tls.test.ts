import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { createServer } from 'node:tls';
import { handshake } from '../../test/helpers/tls-client.ts';
import {
  CertificateStore,
  TableHolder,
  TLS_DEFAULTS,
  generateSelfSigned,
  httpsServerOptions,
} from '../dataplane/index.ts';
import type { CertificateMaterial, Certificates, ObjectResult, RouteTable } from '../ir/index.ts';
import type { KubeObject, StoredObject } from '../objects/index.ts';
import { silentLogger } from '../observability/index.ts';
import { FakeClock, ObjectStore } from '../store/index.ts';
import { nextCertificateExpiry } from './certificate-expiry.ts';
import { ControlLoop } from './control-loop.ts';
import { MAX_TIMER_DELAY_MS } from './deadline-timer.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2030-01-01T00:00:00Z');

function stored(object: KubeObject, sequence: number): StoredObject {
  return {
    kind: object.kind as StoredObject['kind'],
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    object,
    origin: { source: 'kubernetes' },
    sequence,
  };
}

/** The shop Ingress with its TLS Secret; by default a certificate valid from START for 10 days. */
function objects(
  material = generateSelfSigned({ dnsName: 'shop.example.com', now: new Date(START), days: 10 }),
): StoredObject[] {
  const raw: KubeObject[] = [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: {
        name: 'pointsman',
        annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
      },
      spec: { controller: 'pointsman.dev/ingress-controller' },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'shop', namespace: 'shop' },
      spec: {
        tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
        defaultBackend: { service: { name: 'web', port: { number: 80 } } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'shop-tls', namespace: 'shop' },
      data: {
        'tls.crt': Buffer.from(material.certPem).toString('base64'),
        'tls.key': Buffer.from(material.keyPem).toString('base64'),
      },
    },
  ];
  return raw.map(stored);
}

/** A loop over the objects whose clock reads `now`, and what it swapped in. */
function loopAt(now: number) {
  const store = new ObjectStore({ clock: new FakeClock() });
  store.replaceSource('test', objects());
  const swaps: { table: RouteTable; certificates: Certificates | undefined }[] = [];
  const holder = {
    swap: (table: RouteTable, certificates?: Certificates) => {
      swaps.push({ table, certificates });
      return true;
    },
  };
  const loop = new ControlLoop({ store, holder, logger: silentLogger(), now: () => now });
  loop.rebuild();
  return { loop, swaps };
}

test('the loop checks certificates against its clock and hands their material to the sink', () => {
  const { swaps } = loopAt(START + DAY);
  const [swap] = swaps;
  assert.ok(swap);
  const secret = swap.table.tls[0]?.secret;
  assert.ok(secret);
  assert.equal(secret.name, 'shop-tls');
  assert.deepEqual([...(swap.certificates?.keys() ?? [])], [secret.version]);
  assert.equal(nextCertificateExpiry(swap.table), Date.parse(secret.notAfter));
});

test('past its expiry the certificate is refused and nothing is handed over', () => {
  const { loop, swaps } = loopAt(START + 20 * DAY);
  const [swap] = swaps;
  assert.ok(swap);
  assert.equal(swap.table.tls[0]?.secret, null);
  assert.equal(swap.certificates?.size, 0);
  const result = loop.status().results.find((r) => r.kind === 'Secret');
  assert.equal(result?.state, 'Rejected');
  assert.equal(result.problems[0]?.code, 'CertificateExpired');
  assert.equal(nextCertificateExpiry(swap.table), null);
});

/** A certificate for shop.example.com valid from `from` (ms) for `days`. */
function certificateFrom(from: number, days: number): CertificateMaterial {
  // generateSelfSigned starts its validity an hour before `now`, for clock skew.
  return generateSelfSigned({ dnsName: 'shop.example.com', now: new Date(from + HOUR), days });
}

function fingerprintOf(material: CertificateMaterial): string {
  return new X509Certificate(material.certPem).fingerprint256;
}

/**
 * A started loop over the objects on a fake clock that reads START at first, installing into a
 * real certificate store behind a TLS listener on 127.0.0.1, so the test sees what a handshake
 * for shop.example.com gets.
 */
async function runningLoop(t: TestContext, material: CertificateMaterial) {
  const clock = new FakeClock();
  const store = new ObjectStore({ clock });
  store.replaceSource('test', objects(material));
  const fallback = generateSelfSigned({ dnsName: 'fallback.invalid' });
  const certificates = new CertificateStore({
    settings: TLS_DEFAULTS,
    fallback,
    logger: silentLogger(),
  });
  const server = createServer(httpsServerOptions(certificates, TLS_DEFAULTS), (socket) => {
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const loop = new ControlLoop({
    store,
    holder: new TableHolder({ certificates }),
    logger: silentLogger(),
    clock,
    now: () => START + clock.now(),
  });
  let rebuilds = 0;
  loop.onRebuild(() => rebuilds++);
  t.after(async () => {
    loop.close();
    store.close();
    await new Promise((resolve) => server.close(resolve));
  });
  loop.start();
  const { port } = server.address() as AddressInfo;
  return {
    clock,
    loop,
    fallback: fingerprintOf(fallback),
    rebuilds: () => rebuilds,
    served: async () => (await handshake(port, { servername: 'shop.example.com' })).fingerprint,
    secretResult: (): ObjectResult | undefined =>
      loop.status().results.find((r) => r.kind === 'Secret' && r.name === 'shop-tls'),
  };
}

describe('rebuilds at certificate expiry and start, on the injected clock', () => {
  test('just past notAfter the certificate is refused and no longer served', async (t) => {
    const material = certificateFrom(START - DAY, 10);
    const run = await runningLoop(t, material);
    assert.equal(await run.served(), fingerprintOf(material));
    assert.equal(run.secretResult()?.state, 'Accepted');
    const notAfter = new X509Certificate(material.certPem).validToDate.getTime();

    run.clock.advance(notAfter - START);
    assert.equal(run.rebuilds(), 1, 'rebuilt before the expiry');
    assert.equal(await run.served(), fingerprintOf(material), 'still valid at notAfter itself');

    run.clock.advance(1);
    assert.equal(run.rebuilds(), 2);
    const result = run.secretResult();
    assert.equal(result?.state, 'Rejected');
    assert.deepEqual(
      result.problems.map((p) => p.code),
      ['CertificateExpired'],
    );
    assert.equal(await run.served(), run.fallback);
    assert.equal(run.clock.pendingTimers, 0, 'no certificate left to wait for');
  });

  test('a certificate not valid yet is served from its notBefore, with no other change', async (t) => {
    const notBefore = START + 2 * DAY;
    const material = certificateFrom(notBefore, 10);
    const run = await runningLoop(t, material);
    assert.equal(run.secretResult()?.problems[0]?.code, 'CertificateNotYetValid');
    assert.equal(await run.served(), run.fallback);

    run.clock.advance(notBefore - START - 1);
    assert.equal(run.rebuilds(), 1, 'rebuilt before notBefore');
    run.clock.advance(2);
    assert.equal(run.rebuilds(), 2);
    assert.equal(run.secretResult()?.state, 'Accepted');
    assert.equal(await run.served(), fingerprintOf(material));
    assert.equal(run.loop.status().table?.tls[0]?.secret?.name, 'shop-tls');

    // Now its expiry is what the loop waits for, until it is closed.
    assert.equal(run.clock.pendingTimers, 1);
    run.loop.close();
    assert.equal(run.clock.pendingTimers, 0);
  });

  test('a start further off than one timer can wait is reached in steps', async (t) => {
    const notBefore = START + 60 * DAY;
    const material = certificateFrom(notBefore, 10);
    const run = await runningLoop(t, material);
    assert.ok(notBefore - START > 2 * MAX_TIMER_DELAY_MS);

    run.clock.advance(2 * MAX_TIMER_DELAY_MS);
    assert.equal(run.rebuilds(), 1, 'the timer was re-armed, not turned into rebuilds');
    assert.equal(run.clock.pendingTimers, 1);
    assert.equal(run.secretResult()?.problems[0]?.code, 'CertificateNotYetValid');

    run.clock.advance(notBefore - START - 2 * MAX_TIMER_DELAY_MS + 1);
    assert.equal(run.rebuilds(), 2);
    assert.equal(run.secretResult()?.state, 'Accepted');
    assert.equal(await run.served(), fingerprintOf(material));
  });
});
