import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredObject } from '../../objects/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../options.ts';
import { readBasicAuth } from './basic-auth-reader.ts';
import { AccessMaterialsCollector, type ReaderContext } from './reader-context.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;
const BCRYPT = '$2y$05$1PmKeNW.b.Hp5Net2CTazOjASZR7q0QQpjonLRNEdKhPtx8BhMyhS';
const SHA = '{SHA}stOsjhQ+/Zr2RzmhAD8uggClG7Y=';

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

const USERS = secretObject('shop', 'users', { auth: `alice:${BCRYPT}\ncarol:${SHA}\n` });

test('basic with an htpasswd Secret: a policy naming the credentials by version, no hash in it', () => {
  const context = contextWith([USERS]);
  const read = readBasicAuth(
    { [n('auth-type')]: 'basic', [n('auth-secret')]: 'users', [n('auth-realm')]: 'Shop admin' },
    context,
  );
  assert.deepEqual(read.problems, []);
  assert.equal(read.failClosed, undefined);
  const policy = read.policies.basicAuth;
  assert.ok(policy);
  assert.equal(policy.realm, 'Shop admin');
  assert.deepEqual(
    { ...policy.secret, version: '' },
    { namespace: 'shop', name: 'users', version: '' },
  );
  assert.doesNotMatch(JSON.stringify(read.policies), /\$2y\$|SHA\}/);
  const material = context.access.materials().credentials.get(policy.secret.version);
  assert.deepEqual(
    material?.entries.map((e) => e.user),
    ['alice', 'carol'],
  );
  assert.equal(context.access.outcomes().get('shop/users')?.state, 'Accepted');
  // The version follows the content.
  const other = contextWith([secretObject('shop', 'users', { auth: `alice:${BCRYPT}\n` })]);
  const again = readBasicAuth({ [n('auth-type')]: 'basic', [n('auth-secret')]: 'users' }, other);
  assert.notEqual(again.policies.basicAuth?.secret.version, policy.secret.version);
  assert.equal(again.policies.basicAuth?.realm, '');
});

test('auth-map: each key a user', () => {
  const context = contextWith([secretObject('shop', 'map', { dave: SHA, alice: BCRYPT })]);
  const read = readBasicAuth(
    {
      [n('auth-type')]: 'basic',
      [n('auth-secret')]: 'shop/map',
      [n('auth-secret-type')]: 'auth-map',
    },
    context,
  );
  const version = read.policies.basicAuth?.secret.version ?? '';
  assert.deepEqual(
    context.access
      .materials()
      .credentials.get(version)
      ?.entries.map((e) => e.user),
    ['alice', 'dave'],
  );
});

test('without auth-type nothing applies, and the others are reported', () => {
  const read = readBasicAuth({ [n('auth-secret')]: 'users' }, contextWith([USERS]));
  assert.deepEqual(read.policies, {});
  assert.equal(read.failClosed, undefined);
  assert.equal(read.problems[0]?.code, 'IgnoredAnnotation');
  assert.match(read.problems[0].message, /has no effect without .*auth-type/);
});

test('every way of not being able to honour it fails closed with a specific problem', () => {
  const cross = secretObject('other', 'users', { auth: `alice:${BCRYPT}\n` });
  const plain = secretObject('shop', 'plain', { auth: 'eve:evepw\n' });
  const noKey = secretObject('shop', 'nokey', { htpasswd: `alice:${BCRYPT}\n` });
  const context = (): ReaderContext => contextWith([USERS, cross, plain, noKey]);
  const basic = { [n('auth-type')]: 'basic', [n('auth-secret')]: 'users' };
  const cases: [Record<string, string>, RegExp][] = [
    [{ ...basic, [n('auth-type')]: 'digest' }, /digest is not supported/],
    [{ ...basic, [n('auth-type')]: 'Basic' }, /must be basic or digest, not "Basic"/],
    [{ [n('auth-type')]: 'basic' }, /auth-secret is missing/],
    [{ ...basic, [n('auth-secret')]: 'a/b/c' }, /"a\/b\/c" is not name or namespace\/name/],
    [{ ...basic, [n('auth-secret')]: 'Users' }, /is not name or namespace\/name/],
    [
      { ...basic, [n('auth-secret')]: 'other/users' },
      /another namespace.*--allow-cross-namespace-resources/,
    ],
    [{ ...basic, [n('auth-secret')]: 'missing' }, /Secret shop\/missing not found/],
    [
      { ...basic, [n('auth-secret')]: 'plain' },
      /Secret shop\/plain auth line 1 \(user "eve"\).*plain-text/,
    ],
    [{ ...basic, [n('auth-secret')]: 'nokey' }, /has no auth key/],
    [{ ...basic, [n('auth-secret-type')]: 'auth-files' }, /must be auth-file or auth-map/],
    [{ ...basic, [n('auth-realm')]: 'say "hi"' }, /may hold only letters/],
    [{ ...basic, [n('auth-realm')]: 'a\r\nX-Evil: 1' }, /may hold only letters/],
  ];
  for (const [annotations, message] of cases) {
    const read = readBasicAuth(annotations, context());
    assert.deepEqual(read.policies, {}, JSON.stringify(annotations));
    assert.ok(read.failClosed?.includes(n('auth-type')), JSON.stringify(annotations));
    assert.match(read.problems[0]?.message ?? '', message);
  }
  const rejected = contextWith([plain]);
  readBasicAuth({ ...basic, [n('auth-secret')]: 'plain' }, rejected);
  const outcome = rejected.access.outcomes().get('shop/plain');
  assert.equal(outcome?.state, 'Rejected');
  assert.equal(outcome.problems[0]?.code, 'InvalidAuthSecret');
});

test('--allow-cross-namespace-resources lets auth-secret name another namespace', () => {
  const cross = secretObject('other', 'users', { auth: `alice:${BCRYPT}\n` });
  const read = readBasicAuth(
    { [n('auth-type')]: 'basic', [n('auth-secret')]: 'other/users' },
    contextWith([cross], { allowCrossNamespaceResources: true }),
  );
  assert.equal(read.policies.basicAuth?.secret.namespace, 'other');
});

test('with a version key the credentials version is keyed: a guess cannot be tested offline', () => {
  const annotations = { [n('auth-type')]: 'basic', [n('auth-secret')]: 'users' };
  const versionUnder = (key?: Uint8Array): string => {
    const read = readBasicAuth(annotations, contextWith([USERS], key ? { versionKey: key } : {}));
    const version = read.policies.basicAuth?.secret.version;
    assert.ok(version !== undefined);
    return version;
  };
  const plain = versionUnder();
  const one = versionUnder(Buffer.alloc(32, 1));
  assert.notEqual(one, plain);
  assert.notEqual(versionUnder(Buffer.alloc(32, 2)), one);
  assert.equal(
    versionUnder(Buffer.alloc(32, 1)),
    one,
    'one key, one version: a rebuild swaps nothing',
  );
});
