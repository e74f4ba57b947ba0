import { createHash } from 'node:crypto';

// Written here rather than taken from npm: the one package for it (apache-md5) is an untyped
// single-file module without recent releases, and the algorithm is a few dozen lines over
// node:crypto's MD5. It is Poul-Henning Kamp's MD5-crypt, which Apache's htpasswd (`-m`, the
// `$apr1$` magic) and glibc's crypt(3) (`$1$`) both use; only the magic differs.

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ROUNDS = 1000;

/** The magics MD5-crypt hashes start with. */
export type Md5CryptMagic = '$apr1$' | '$1$';

const md5 = (...parts: readonly Buffer[]): Buffer => {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/**
 * The MD5-crypt hash of `password` (bytes) with `salt` (at most 8 characters are used), as
 * `magic + salt + '$' + 22 characters`: what htpasswd writes for `htpasswd -m`.
 */
export function md5Crypt(password: Buffer, salt: string, magic: Md5CryptMagic): string {
  const saltText = salt.slice(0, 8);
  const saltBytes = Buffer.from(saltText, 'latin1');
  const magicBytes = Buffer.from(magic, 'latin1');
  const alternate = md5(password, saltBytes, password);
  const start: Buffer[] = [password, magicBytes, saltBytes];
  for (let left = password.length; left > 0; left -= 16) {
    start.push(alternate.subarray(0, Math.min(16, left)));
  }
  // One byte per bit of the password's length: a zero for a set bit, its first byte otherwise.
  const first = password.subarray(0, 1);
  const zero = Buffer.alloc(1);
  for (let bits = password.length; bits > 0; bits >>= 1) start.push(bits & 1 ? zero : first);
  let digest = md5(...start);
  for (let round = 0; round < ROUNDS; round++) {
    const parts: Buffer[] = [round & 1 ? password : digest];
    if (round % 3 !== 0) parts.push(saltBytes);
    if (round % 7 !== 0) parts.push(password);
    parts.push(round & 1 ? digest : password);
    digest = md5(...parts);
  }
  return `${magic}${saltText}$${encode(digest)}`;
}

/** MD5-crypt's own base64 of the digest: bytes taken in its fixed, shuffled order. */
function encode(digest: Buffer): string {
  const byte = (index: number): number => digest[index] ?? 0;
  let out = '';
  const put = (value: number, characters: number): void => {
    let rest = value;
    for (let i = 0; i < characters; i++) {
      out += ITOA64[rest & 0x3f] ?? '';
      rest >>= 6;
    }
  };
  for (const [a, b, c] of [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ] as const) {
    put((byte(a) << 16) | (byte(b) << 8) | byte(c), 4);
  }
  put(byte(11), 2);
  return out;
}

/** The salt and magic of an MD5-crypt hash (already checked by the translator's classifier). */
export function md5CryptParts(hash: string): { magic: Md5CryptMagic; salt: string } {
  const magic: Md5CryptMagic = hash.startsWith('$apr1$') ? '$apr1$' : '$1$';
  const rest = hash.slice(magic.length);
  return { magic, salt: rest.slice(0, Math.max(0, rest.indexOf('$'))) };
}
