import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateSelfSigned } from '../dataplane/index.ts';
import type { Certificates, RouteTable } from '../ir/index.ts';
import type { KubeObject, StoredObject } from '../objects/index.ts';
import { silentLogger } from '../observability/index.ts';
import { FakeClock, ObjectStore } from '../store/index.ts';
import { nextCertificateExpiry } from './certificate-expiry.ts';
import { ControlLoop } from './control-loop.ts';

const DAY = 86_400_000;
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

function objects(): StoredObject[] {
  const material = generateSelfSigned({
    dnsName: 'shop.example.com',
    now: new Date(START),
    days: 10,
  });
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
