import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { classifyHash, parseAuthMap, parseHtpasswd } from './htpasswd.ts';

// Written by htpasswd (apache2-utils 2.4): -B, -m, -s, -d, -p.
const BCRYPT = '$2y$05$1PmKeNW.b.Hp5Net2CTazOjASZR7q0QQpjonLRNEdKhPtx8BhMyhS';
const APR1 = '$apr1$dc3d6Xcz$RZfE39af5zOhuBu8rwXLo1';
const SHA = '{SHA}stOsjhQ+/Zr2RzmhAD8uggClG7Y=';
const DES = 'w.VKWbLaxUKz.';

test('the hashes htpasswd writes are classified', () => {
  assert.deepEqual(classifyHash(BCRYPT), { ok: true, scheme: 'bcrypt' });
  assert.deepEqual(classifyHash(BCRYPT.replace('$2y$', '$2a$')), { ok: true, scheme: 'bcrypt' });
  assert.deepEqual(classifyHash(BCRYPT.replace('$2y$', '$2b$')), { ok: true, scheme: 'bcrypt' });
  assert.deepEqual(classifyHash(APR1), { ok: true, scheme: 'apr1' });
  assert.deepEqual(classifyHash('$1$xyz$HqpDyRRUG49c/MLIA0n1l/'), {
    ok: true,
    scheme: 'md5-crypt',
  });
  assert.deepEqual(classifyHash(SHA), { ok: true, scheme: 'sha1' });
  const ssha = `{SSHA}${Buffer.alloc(24, 7).toString('base64')}`;
  assert.deepEqual(classifyHash(ssha), { ok: true, scheme: 'ssha' });
});

test('plain text, DES, SHA-crypt, {PLAIN}, $2x$ and a too costly bcrypt are refused', () => {
  const why = (hash: string): string => {
    const known = classifyHash(hash);
    if (known.ok) assert.fail(`${hash} was accepted`);
    return known.why;
  };
  assert.match(why('evepw'), /plain-text/);
  assert.match(why('{PLAIN}evepw'), /plain-text password/);
  assert.match(why(DES), /crypt\(3\) DES/);
  assert.match(why('$6$salt$abc'), /SHA-crypt/);
  assert.match(why(BCRYPT.replace('$2y$', '$2x$')), /bcrypt/);
  assert.match(why(BCRYPT.replace('$05$', '$18$')), /bcrypt/);
  assert.match(why(BCRYPT.slice(0, -1)), /bcrypt/);
  assert.match(why('$apr1$short'), /MD5/);
  assert.match(why('{SHA}abc'), /\{SHA\}/);
  assert.match(why(''), /empty/);
});

test('htpasswd text: comments, blank lines, CRLF, a trailing field; the first line of a user wins', () => {
  const text = `# comment\r\nalice:${BCRYPT}\r\n\r\n  \nbob:${APR1}:Bob Smith\ncarol:${SHA}\nalice:${SHA}\n`;
  const parsed = parseHtpasswd(text);
  assert.ok(parsed.ok);
  assert.deepEqual(
    parsed.entries.map(({ user, scheme, hash }) => [user, scheme, hash]),
    [
      ['alice', 'bcrypt', BCRYPT],
      ['bob', 'apr1', APR1],
      ['carol', 'sha1', SHA],
    ],
  );
});

test('a malformed line fails the whole file, naming the line and user, never the hash', () => {
  const cases: [string, RegExp][] = [
    [`alice:${BCRYPT}\nnocolon\n`, /^line 2 is not user:hash$/],
    [`:${SHA}\n`, /^line 1 is not user:hash$/],
    [`alice:${BCRYPT}\neve:evepw\n`, /^line 2 \(user "eve"\) has no hash htpasswd writes/],
    [`dave:${DES}\n`, /^line 1 \(user "dave"\) has a crypt\(3\) DES hash/],
    ['# only comments\n\n', /^has no user:hash line$/],
    ['', /^has no user:hash line$/],
  ];
  for (const [text, message] of cases) {
    const parsed = parseHtpasswd(text);
    if (parsed.ok) assert.fail(`${text} was accepted`);
    assert.match(parsed.message, message);
    assert.doesNotMatch(parsed.message, /evepw|\$2y\$|w\.VKW/);
  }
});

test('auth-map: each key a user, each value a hash; one trailing newline dropped', () => {
  const parsed = parseAuthMap(
    new Map([
      ['dave', `${SHA}\n`],
      ['alice', BCRYPT],
    ]),
  );
  assert.ok(parsed.ok);
  assert.deepEqual(
    parsed.entries.map(({ user, scheme }) => [user, scheme]),
    [
      ['alice', 'bcrypt'],
      ['dave', 'sha1'],
    ],
  );
  const plain = parseAuthMap(new Map([['eve', 'evepw']]));
  assert.equal(plain.ok, false);
  assert.equal(parseAuthMap(new Map()).ok, false);
});

test('fuzz: the parsers never throw, and what they accept is well formed', () => {
  const line = fc.oneof(
    fc.string(),
    fc.constantFrom(BCRYPT, APR1, SHA, DES, '#', ':', '\r', '\n'),
    fc.tuple(fc.string(), fc.constantFrom(BCRYPT, APR1, SHA)).map(([u, h]) => `${u}:${h}`),
  );
  fc.assert(
    fc.property(
      fc.array(line, { maxLength: 20 }),
      fc.constantFrom('\n', '\r\n', ''),
      (lines, eol) => {
        const parsed = parseHtpasswd(lines.join(eol));
        if (parsed.ok) {
          assert.ok(parsed.entries.length > 0);
          const users = new Set<string>();
          for (const entry of parsed.entries) {
            assert.ok(entry.user !== '' && !entry.user.includes(':'));
            assert.ok(!users.has(entry.user));
            users.add(entry.user);
            assert.equal(classifyHash(entry.hash).ok, true);
          }
        } else {
          assert.equal(typeof parsed.message, 'string');
        }
      },
    ),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.string()), (data) => {
      const parsed = parseAuthMap(new Map(Object.entries(data)));
      assert.equal(typeof parsed.ok, 'boolean');
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      assert.equal(typeof parseHtpasswd(text).ok, 'boolean');
    }),
    { numRuns: 2000 },
  );
});
