// Translation of TLS Secrets that the golden file cannot hold: certificates made per run by a
// test CA (chains, encrypted keys, validity windows), and the default certificate option.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestCa, tlsSecret, type TestCa } from '../../../test/helpers/tls-certificates.ts';
import type { KubeObject, StoredObject } from '../../objects/index.ts';
import { snapshotOf } from '../../objects/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS, translate, type TranslateOptions } from '../index.ts';

const DAY = 86_400_000;

const CLASS: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: {
    name: 'pointsman',
    annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
  },
  spec: { controller: 'pointsman.dev/ingress-controller' },
};

function ingress(name: string, host: string, secretName: string, created: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default', creationTimestamp: created },
    spec: {
      tls: [{ hosts: [host], secretName }],
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

function translateObjects(
  objects: readonly object[],
  options: {
    readonly now?: number | undefined;
    readonly defaultCertificate?: TranslateOptions['defaultCertificate'];
  } = {},
) {
  const stored = objects.map((raw, sequence): StoredObject => {
    const object = raw as KubeObject;
    return {
      kind: object.kind as StoredObject['kind'],
      namespace: object.metadata.namespace ?? (object.kind === 'IngressClass' ? '' : 'default'),
      name: object.metadata.name,
      object,
      origin: { source: 'kubernetes' },
      sequence,
    };
  });
  const now = 'now' in options ? options.now : Date.now();
  return translate(snapshotOf(stored), {
    ...DEFAULT_TRANSLATE_OPTIONS,
    ...(now === undefined ? {} : { now }),
    defaultCertificate: options.defaultCertificate ?? null,
  });
}

function resultOf(translation: ReturnType<typeof translate>, kind: string, name: string) {
  const result = translation.results.find((r) => r.kind === kind && r.name === name);
  assert.ok(result, `no result for ${kind} ${name}`);
  return result;
}

void describe('TLS Secrets in translation', () => {
  let ca: TestCa;
  before(async () => {
    ca = await createTestCa();
  });
  after(() => ca.close());

  void test('a chain with its intermediate loads; the material travels beside the table', async () => {
    const leaf = await ca.issue({ dns: ['chain.example.com'], key: 'rsa' });
    const chained = { ...leaf, certPem: leaf.certPem + ca.caPem };
    const translation = translateObjects([
      CLASS,
      ingress('chain', 'chain.example.com', 'chain-tls', '2024-01-01T00:00:00Z'),
      tlsSecret('chain-tls', chained),
    ]);
    const secret = translation.table.tls[0]?.secret;
    assert.ok(secret);
    assert.equal(secret.name, 'chain-tls');
    assert.equal(resultOf(translation, 'Secret', 'chain-tls').state, 'Accepted');
    assert.deepEqual([...translation.certificates.keys()], [secret.version]);
    assert.equal(translation.certificates.get(secret.version)?.certPem, chained.certPem);
    assert.ok(!JSON.stringify(translation.table).includes('PRIVATE KEY'), 'key material in the IR');
    assert.equal(translation.table.hosts[0]?.paths[0]?.sslRedirect, true);
  });

  void test('an encrypted key is refused, in PKCS#8 and in the legacy PEM form', async () => {
    const leaf = await ca.issue({ dns: ['locked.example.com'], key: 'rsa' });
    const key = createPrivateKey(leaf.keyPem);
    const secret = { cipher: 'aes-256-cbc', passphrase: 'secret' };
    for (const type of ['pkcs8', 'pkcs1'] as const) {
      const keyPem = key.export({ type, format: 'pem', ...secret }).toString();
      const translation = translateObjects([
        CLASS,
        ingress('locked', 'locked.example.com', 'locked-tls', '2024-01-01T00:00:00Z'),
        tlsSecret('locked-tls', { ...leaf, keyPem }),
      ]);
      const result = resultOf(translation, 'Secret', 'locked-tls');
      assert.equal(result.state, 'Rejected', type);
      const [problem] = result.problems;
      assert.ok(problem);
      assert.equal(problem.code, 'InvalidPrivateKey', type);
      assert.match(problem.message, /encrypted/);
      assert.equal(translation.table.tls[0]?.secret, null);
      assert.equal(translation.table.hosts[0]?.paths[0]?.sslRedirect, false);
    }
  });

  void test('the validity period is checked against options.now, and only when given', async () => {
    const leaf = await ca.issue({ dns: ['time.example.com'], days: 10 });
    const objects = [
      CLASS,
      ingress('time', 'time.example.com', 'time-tls', '2024-01-01T00:00:00Z'),
      tlsSecret('time-tls', leaf),
    ];
    const codeAt = (now: number | undefined) =>
      resultOf(translateObjects(objects, { now }), 'Secret', 'time-tls').problems[0]?.code;
    assert.equal(codeAt(Date.now()), undefined);
    assert.equal(codeAt(Date.now() + 20 * DAY), 'CertificateExpired');
    assert.equal(codeAt(Date.now() - 2 * DAY), 'CertificateNotYetValid');
    assert.equal(codeAt(undefined), undefined);
  });

  void test('the first usable certificate for a host wins, even from a newer Ingress', async () => {
    const good = await ca.issue({ dns: ['shared.example.com'] });
    const translation = translateObjects([
      CLASS,
      ingress('older', 'shared.example.com', 'missing-tls', '2024-01-01T00:00:00Z'),
      ingress('newer', 'shared.example.com', 'good-tls', '2024-02-01T00:00:00Z'),
      tlsSecret('good-tls', good),
    ]);
    assert.equal(translation.table.tls[0]?.secret?.name, 'good-tls');
    const codes = (name: string) =>
      resultOf(translation, 'Ingress', name).problems.map((p) => p.code);
    assert.ok(codes('older').includes('SecretNotFound'));
    assert.ok(!codes('newer').some((code) => code.startsWith('Certificate')));
  });

  void test('the default certificate Secret is checked and reported', async () => {
    const fallback = await ca.issue({ dns: ['default.example.com'] });
    const translation = translateObjects([CLASS, tlsSecret('fallback-tls', fallback)], {
      defaultCertificate: { namespace: 'default', name: 'fallback-tls' },
    });
    const secret = translation.table.defaultCertificate?.secret;
    assert.ok(secret);
    assert.equal(secret.name, 'fallback-tls');
    assert.ok(translation.certificates.has(secret.version));
    assert.equal(resultOf(translation, 'Secret', 'fallback-tls').state, 'Accepted');

    const missing = translateObjects([CLASS], {
      defaultCertificate: { namespace: 'default', name: 'nope' },
    });
    assert.deepEqual(missing.table.defaultCertificate, {
      secret: null,
      problem: { code: 'SecretNotFound', message: 'Secret default/nope not found' },
    });
    assert.equal(missing.certificates.size, 0);
  });

  void test('a changed Secret changes the table version; an unchanged one does not', async () => {
    const first = await ca.issue({ dns: ['rotate.example.com'] });
    const second = await ca.issue({ dns: ['rotate.example.com'] });
    const objects = (certificate: typeof first) => [
      CLASS,
      ingress('rotate', 'rotate.example.com', 'rotate-tls', '2024-01-01T00:00:00Z'),
      tlsSecret('rotate-tls', certificate),
    ];
    const now = Date.now();
    const a = translateObjects(objects(first), { now });
    const again = translateObjects(objects(first), { now });
    const b = translateObjects(objects(second), { now });
    assert.equal(a.table.version, again.table.version);
    assert.notEqual(a.table.version, b.table.version);
  });
});
