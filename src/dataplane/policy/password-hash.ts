import { createHash, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import type { PasswordScheme } from '../../ir/index.ts';
import { md5Crypt, md5CryptParts } from './md5-crypt.ts';

/** The schemes cheap enough to check on the event loop: one SHA-1. */
export const CHEAP_SCHEMES: ReadonlySet<PasswordScheme> = new Set(['sha1', 'ssha']);

type Bcrypt = typeof import('bcryptjs').default;
let bcryptjs: Bcrypt | undefined;

/**
 * bcryptjs, loaded through `require` (its CommonJS build) on the first bcrypt check: that runs
 * on a hash worker thread, so the proxy's own thread never loads it (docs/workers.md, memory).
 */
function bcrypt(): Bcrypt {
  bcryptjs ??= createRequire(import.meta.url)('bcryptjs') as Bcrypt;
  return bcryptjs;
}

/**
 * Whether `password` (UTF-8 bytes) matches `hash` of `scheme`, compared in constant time.
 * bcrypt and MD5-crypt are slow by design: the proxy runs them on a hash worker
 * (hash-workers.ts), never on the event loop; `{SHA}` and `{SSHA}` cost one SHA-1.
 */
export function passwordMatches(scheme: PasswordScheme, hash: string, password: Buffer): boolean {
  switch (scheme) {
    case 'bcrypt':
      // bcryptjs takes a string and hashes its UTF-8 bytes; the gate passes only valid UTF-8,
      // so the round trip is exact. Its comparison of the results is constant-time.
      return bcrypt().compareSync(password.toString('utf8'), hash);
    case 'apr1':
    case 'md5-crypt': {
      const { magic, salt } = md5CryptParts(hash);
      return sameText(md5Crypt(password, salt, magic), hash);
    }
    case 'sha1':
      return sameBytes(
        createHash('sha1').update(password).digest(),
        Buffer.from(hash.slice('{SHA}'.length), 'base64'),
      );
    case 'ssha': {
      const decoded = Buffer.from(hash.slice('{SSHA}'.length), 'base64');
      const digest = decoded.subarray(0, 20);
      const salt = decoded.subarray(20);
      return sameBytes(createHash('sha1').update(password).update(salt).digest(), digest);
    }
  }
}

function sameText(a: string, b: string): boolean {
  return sameBytes(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}

/** Constant-time equality; the lengths are not secret (fixed by the scheme). */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
