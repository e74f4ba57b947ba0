import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { md5Crypt } from './md5-crypt.ts';
import { passwordMatches } from './password-hash.ts';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

test('MD5-crypt matches htpasswd -m and openssl passwd -1 / -apr1', () => {
  // openssl passwd -apr1 -salt abcdefgh 'p@ss'; -1 -salt xyz 'hello world'; -apr1 -salt ''.
  assert.equal(
    md5Crypt(bytes('p@ss'), 'abcdefgh', '$apr1$'),
    '$apr1$abcdefgh$MNs1srWp03T8XAJZcWuBx/',
  );
  assert.equal(md5Crypt(bytes('hello world'), 'xyz', '$1$'), '$1$xyz$HqpDyRRUG49c/MLIA0n1l/');
  assert.equal(md5Crypt(bytes('x'), '', '$apr1$'), '$apr1$$jYtXyIcDHukcQfHjblNhq/');
  const long = 'pässwörd-long-long-long-long-password';
  assert.equal(md5Crypt(bytes(long), 'ab', '$apr1$'), '$apr1$ab$r4tBdRMy0WxwIcr4pfXJi.');
});

test('each scheme accepts its password and nothing else', () => {
  const cases: [Parameters<typeof passwordMatches>[0], string, string][] = [
    ['bcrypt', '$2y$05$1PmKeNW.b.Hp5Net2CTazOjASZR7q0QQpjonLRNEdKhPtx8BhMyhS', 'wonder land'],
    ['apr1', '$apr1$dc3d6Xcz$RZfE39af5zOhuBu8rwXLo1', 'b0b:pass'],
    ['md5-crypt', '$1$xyz$HqpDyRRUG49c/MLIA0n1l/', 'hello world'],
    ['sha1', '{SHA}stOsjhQ+/Zr2RzmhAD8uggClG7Y=', 'carolpw'],
  ];
  for (const [scheme, hash, password] of cases) {
    assert.equal(passwordMatches(scheme, hash, bytes(password)), true, scheme);
    assert.equal(passwordMatches(scheme, hash, bytes(`${password}x`)), false, scheme);
    assert.equal(passwordMatches(scheme, hash, bytes('')), false, scheme);
  }
  // {SSHA}: SHA-1 of password and salt, then the salt.
  const salt = Buffer.from('NaCl1234');
  const digest = createHash('sha1').update('secret').update(salt).digest();
  const ssha = `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
  assert.equal(passwordMatches('ssha', ssha, bytes('secret')), true);
  assert.equal(passwordMatches('ssha', ssha, bytes('Secret')), false);
});
