import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { BasicAuthPolicy, CredentialsMaterial } from '../../ir/index.ts';
import { basicAuthGate, basicCredentialOf } from './basic-auth-gate.ts';
import { BasicAuthState } from './basic-auth-state.ts';
import type { GateRequest } from './gate.ts';
import { VerifiedCredentials } from './verified-credentials.ts';

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

test('Basic credentials: the scheme in any case, split at the first colon', () => {
  const parsed = basicCredentialOf(basic('alice:pa:ss'));
  assert.ok(parsed);
  assert.equal(parsed.user, 'alice');
  assert.equal(parsed.password.toString(), 'pa:ss');
  assert.equal(basicCredentialOf(`bAsIc   ${Buffer.from('a:b').toString('base64')}`)?.user, 'a');
  assert.equal(basicCredentialOf(basic('é:ü'))?.user, 'é');
});

test('malformed credentials are null', () => {
  for (const header of [
    '',
    'Basic',
    'Basic ',
    'Bearer abc',
    'Basic !!!!',
    'Basic YWxpY2U=',
    basic(':nobody'),
    `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`,
    `Basic ${'A'.repeat(5000)}`,
    'Basic YW Jj',
  ]) {
    assert.equal(basicCredentialOf(header), null, header);
  }
});

test('fuzz: never throws', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      basicCredentialOf(text);
      basicCredentialOf(`Basic ${text}`);
      basicCredentialOf(basic(text));
    }),
    { numRuns: 3000 },
  );
});

const VERSION = 'v1';
const MATERIAL: CredentialsMaterial = {
  entries: [
    {
      user: 'alice',
      scheme: 'bcrypt',
      hash: '$2y$05$1PmKeNW.b.Hp5Net2CTazOjASZR7q0QQpjonLRNEdKhPtx8BhMyhS',
    },
    { user: 'carol', scheme: 'sha1', hash: '{SHA}stOsjhQ+/Zr2RzmhAD8uggClG7Y=' },
  ],
};
const POLICY: BasicAuthPolicy = {
  realm: 'Shop',
  secret: { namespace: 'shop', name: 'users', version: VERSION },
};

function gateRequest(state: BasicAuthState, ...headers: string[]): GateRequest {
  return {
    policies: { basicAuth: POLICY },
    table: { access: { credentials: new Map([[VERSION, MATERIAL]]), clientCas: new Map() } },
    rawHeaders: headers.flatMap((value) => ['Authorization', value]),
    state: { basicAuth: state },
  } as unknown as GateRequest;
}

test('no policy: nothing to check', () => {
  assert.equal(basicAuthGate({ policies: {} } as unknown as GateRequest), undefined);
});

test('a verdict per case: 401 with the realm, 400 for two headers, a pass that drops the header', async () => {
  const state = new BasicAuthState({ workers: { threads: 1, queueLimit: 4 } });
  try {
    const refused = await basicAuthGate(gateRequest(state));
    assert.deepEqual(refused, {
      kind: 'refuse',
      code: 'PM_ERR_UNAUTHORIZED',
      headers: [['www-authenticate', 'Basic realm="Shop"']],
    });
    const two = await basicAuthGate(gateRequest(state, basic('carol:carolpw'), basic('carol:x')));
    assert.equal(two?.kind === 'refuse' ? two.code : '', 'PM_ERR_BAD_REQUEST');
    const passed = await basicAuthGate(gateRequest(state, basic('carol:carolpw')));
    assert.deepEqual(passed, { kind: 'pass', grant: { upstreamHeaders: [['authorization', '']] } });
    const unknown = await basicAuthGate(gateRequest(state, basic('mallory:carolpw')));
    assert.equal(unknown?.kind, 'refuse');
  } finally {
    state.close();
  }
});

test('bcrypt is checked once on a worker, then remembered; failures are not', async () => {
  const state = new BasicAuthState({ workers: { threads: 1, queueLimit: 4 } });
  try {
    const first = basicAuthGate(gateRequest(state, basic('alice:wonder land')));
    assert.ok(first instanceof Promise, 'the first check waits for a worker');
    assert.equal((await first).kind, 'pass');
    const again = basicAuthGate(gateRequest(state, basic('alice:wonder land')));
    assert.ok(!(again instanceof Promise), 'a remembered credential is answered at once');
    assert.equal(again?.kind, 'pass');
    const wrong = basicAuthGate(gateRequest(state, basic('alice:wonder')));
    assert.ok(wrong instanceof Promise);
    assert.equal((await wrong).kind, 'refuse');
    assert.equal(state.verified.size, 1);
  } finally {
    state.close();
  }
});

test('a full queue refuses at once with 503 PM_ERR_AUTH_BUSY', async () => {
  const state = new BasicAuthState({ workers: { threads: 1, queueLimit: 2 } });
  try {
    const waiting = [1, 2].map(() => {
      const verdict = basicAuthGate(gateRequest(state, basic('alice:nope')));
      assert.ok(verdict instanceof Promise);
      return verdict;
    });
    const busy = basicAuthGate(gateRequest(state, basic('alice:wonder land')));
    assert.deepEqual(busy, {
      kind: 'refuse',
      code: 'PM_ERR_AUTH_BUSY',
      headers: [['retry-after', '1']],
    });
    await Promise.all(waiting);
  } finally {
    state.close();
  }
});

test('the verified credentials are bounded, least recently used first out', () => {
  const verified = new VerifiedCredentials(3);
  const keys = ['a', 'b', 'c', 'd'].map((p) => verified.keyOf('v', 'u', Buffer.from(p)));
  for (const key of keys.slice(0, 3)) verified.add(key);
  assert.ok(verified.has(keys[0] ?? ''));
  verified.add(keys[3] ?? '');
  assert.equal(verified.size, 3);
  assert.ok(!verified.has(keys[1] ?? ''), 'the least recently used went');
  assert.ok(verified.has(keys[0] ?? ''));
  // The key depends on each part, unambiguously.
  assert.notEqual(
    verified.keyOf('v', 'ab', Buffer.from('c')),
    verified.keyOf('v', 'a', Buffer.from('bc')),
  );
  assert.notEqual(
    verified.keyOf('v1', 'a', Buffer.from('b')),
    verified.keyOf('v2', 'a', Buffer.from('b')),
  );
});
