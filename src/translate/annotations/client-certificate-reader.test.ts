import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateSelfSigned } from '../../dataplane/tls/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../options.ts';
import {
  readClientCertificatePolicy,
  readClientCertificates,
} from './client-certificate-reader.ts';
import { AccessMaterialsCollector, type ReaderContext } from './reader-context.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;
const CA = generateSelfSigned({ dnsName: 'client-ca.invalid' }).certPem;

function secretObject(namespace: string, name: string, data: Record<string, string>): StoredObject {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );
  return {
    kind: 'Secret',
    namespace,
    name,
    object: { apiVersion: 'v1', kind: 'Secret', metadata: { namespace, name }, data: encoded },
    origin: { source: 'kubernetes' },
    sequence: 0,
  };
}

function contextWith(
  secrets: readonly StoredObject[],
  options: Partial<TranslateOptions> = {},
): ReaderContext {
  const byKey = new Map(secrets.map((s) => [`${s.namespace}/${s.name}`, s]));
  return {
    namespace: 'shop',
    options: { ...DEFAULT_TRANSLATE_OPTIONS, ...options },
    secret: (ns, name) => byKey.get(`${ns}/${name}`),
    service: () => undefined,
    access: new AccessMaterialsCollector(),
  };
}

const GOOD = secretObject('shop', 'client-ca', { 'ca.crt': CA });

test('defaults as ingress-nginx: verify on, depth 1, no certificate upstream; the CA beside the table', () => {
  const context = contextWith([GOOD]);
  const read = readClientCertificatePolicy({ [n('auth-tls-secret')]: 'shop/client-ca' }, context);
  assert.deepEqual(read.problems, []);
  assert.deepEqual(read.failClosed, []);
  const policy = read.policy;
  assert.ok(policy !== null);
  assert.equal(policy.verify, 'on');
  assert.equal(policy.depth, 1);
  assert.equal(policy.passCertificate, false);
  assert.deepEqual(
    { ...policy.secret, version: '' },
    { namespace: 'shop', name: 'client-ca', version: '' },
  );
  assert.match(policy.secret.version, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(policy).includes('BEGIN'), 'no PEM in the IR');
  assert.ok(
    context.access.materials().clientCas.get(policy.secret.version)?.caPem.includes(CA.trim()),
  );
  assert.deepEqual(context.access.outcomes().get('shop/client-ca'), {
    state: 'Accepted',
    problems: [],
  });
});

test('every annotation read; /name is the Ingress namespace', () => {
  const read = readClientCertificatePolicy(
    {
      [n('auth-tls-secret')]: '/client-ca',
      [n('auth-tls-verify-client')]: 'optional_no_ca',
      [n('auth-tls-verify-depth')]: '3',
      [n('auth-tls-pass-certificate-to-upstream')]: 'true',
      [n('auth-tls-error-page')]: 'https://login.example.com/cert',
      [n('auth-tls-match-cn')]: 'CN=(alice|bob)',
    },
    contextWith([GOOD]),
  );
  assert.equal(read.policy?.verify, 'optional_no_ca');
  assert.equal(read.policy.depth, 3);
  assert.equal(read.policy.passCertificate, true);
  assert.equal(read.policy.errorPage, 'https://login.example.com/cert');
  assert.equal(read.policy.matchSubject, 'CN=(alice|bob)');
});

test('a bad verify-client is on and a bad depth is 1, each reported', () => {
  const read = readClientCertificatePolicy(
    {
      [n('auth-tls-secret')]: 'shop/client-ca',
      [n('auth-tls-verify-client')]: 'maybe',
      [n('auth-tls-verify-depth')]: '0',
    },
    contextWith([GOOD]),
  );
  assert.equal(read.policy?.verify, 'on');
  assert.equal(read.policy.depth, 1);
  assert.deepEqual(
    read.problems.map((p) => p.code),
    ['IgnoredAnnotation', 'IgnoredAnnotation'],
  );
  assert.deepEqual(read.failClosed, []);
});

test('without auth-tls-secret the others do nothing, each reported', () => {
  const read = readClientCertificates({ [n('auth-tls-verify-client')]: 'on' }, contextWith([]));
  assert.deepEqual(read.policies, {});
  assert.equal(read.failClosed, undefined);
  assert.equal(read.problems[0]?.code, 'IgnoredAnnotation');
});

test('what cannot be honoured fails closed', () => {
  const cases: [Record<string, string>, StoredObject[], string][] = [
    [{ [n('auth-tls-secret')]: 'client-ca' }, [GOOD], 'AccessControlNotEnforced'],
    [{ [n('auth-tls-secret')]: 'a/b/c' }, [GOOD], 'AccessControlNotEnforced'],
    [{ [n('auth-tls-secret')]: 'shop/missing' }, [GOOD], 'AccessControlNotEnforced'],
    [
      { [n('auth-tls-secret')]: 'other/client-ca' },
      [secretObject('other', 'client-ca', { 'ca.crt': CA })],
      'AccessControlNotEnforced',
    ],
    [
      { [n('auth-tls-secret')]: 'shop/x' },
      [secretObject('shop', 'x', { 'tls.crt': CA })],
      'InvalidAuthTlsSecret',
    ],
    [
      { [n('auth-tls-secret')]: 'shop/x' },
      [secretObject('shop', 'x', { 'ca.crt': 'not PEM' })],
      'InvalidAuthTlsSecret',
    ],
    [
      { [n('auth-tls-secret')]: 'shop/x' },
      [
        secretObject('shop', 'x', {
          'ca.crt': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        }),
      ],
      'InvalidAuthTlsSecret',
    ],
    [
      { [n('auth-tls-secret')]: 'shop/x' },
      [secretObject('shop', 'x', { 'ca.crt': CA, 'ca.crl': 'garbage' })],
      'InvalidAuthTlsSecret',
    ],
    [
      { [n('auth-tls-secret')]: 'shop/client-ca', [n('auth-tls-match-cn')]: 'alice' },
      [GOOD],
      'AccessControlNotEnforced',
    ],
    [
      { [n('auth-tls-secret')]: 'shop/client-ca', [n('auth-tls-match-cn')]: 'CN=(a' },
      [GOOD],
      'AccessControlNotEnforced',
    ],
    [
      { [n('auth-tls-secret')]: 'shop/client-ca', [n('auth-tls-match-cn')]: 'CN=(a)\\1' },
      [GOOD],
      'AccessControlNotEnforced',
    ],
    [
      {
        [n('auth-tls-secret')]: 'shop/client-ca',
        [n('auth-tls-pass-certificate-to-upstream')]: 'yes',
      },
      [GOOD],
      'AccessControlNotEnforced',
    ],
    [
      {
        [n('auth-tls-secret')]: 'shop/client-ca',
        [n('auth-tls-error-page')]: 'https://x/"; return 200',
      },
      [GOOD],
      'AccessControlNotEnforced',
    ],
  ];
  for (const [annotations, secrets, code] of cases) {
    const read = readClientCertificates(annotations, contextWith(secrets));
    const label = JSON.stringify(annotations);
    assert.deepEqual(read.policies, {}, label);
    assert.ok((read.failClosed ?? []).includes(n('auth-tls-secret')), label);
    assert.equal(read.problems[0]?.code, code, label);
  }
});

test('another namespace with --allow-cross-namespace-resources', () => {
  const other = secretObject('other', 'client-ca', { 'ca.crt': CA });
  const read = readClientCertificatePolicy(
    { [n('auth-tls-secret')]: 'other/client-ca' },
    contextWith([other], { allowCrossNamespaceResources: true }),
  );
  assert.equal(read.policy?.secret.namespace, 'other');
});
