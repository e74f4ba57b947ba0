import type { CredentialEntry, PasswordScheme } from '../../ir/index.ts';

/** A parsed credential list, or why it cannot be used (never naming a hash). */
export type CredentialsParse =
  | { readonly ok: true; readonly entries: readonly CredentialEntry[] }
  | { readonly ok: false; readonly message: string };

/** A hash classified: its scheme, or why pointsman refuses it. */
export type HashClass =
  | { readonly ok: true; readonly scheme: PasswordScheme }
  | { readonly ok: false; readonly why: string };

// The shapes htpasswd (and nginx's ngx_crypt) write. bcrypt: `$2y$`/`$2a$`/`$2b$`, a cost of 4
// to 17 (what `htpasswd -C` accepts: a higher one would tie a hash worker up for minutes per
// request), 53 characters of bcrypt's base64. apr1 and MD5-crypt: up to 8 salt characters and 22
// hash characters. {SHA}: base64 of 20 bytes; {SSHA}: base64 of 20 bytes and a salt.
const BCRYPT = /^\$2[aby]\$(0[4-9]|1[0-7])\$[./A-Za-z0-9]{53}$/;
const APR1 = /^\$apr1\$[./A-Za-z0-9]{0,8}\$[./A-Za-z0-9]{22}$/;
const MD5_CRYPT = /^\$1\$[./A-Za-z0-9]{0,8}\$[./A-Za-z0-9]{22}$/;
const SHA1 = /^\{SHA\}[A-Za-z0-9+/]{27}=$/;
const SSHA = /^\{SSHA\}(?:[A-Za-z0-9+/]{4}){7,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DES_CRYPT = /^[./A-Za-z0-9]{13}$/;
const SHA_CRYPT = /^\$[56]\$/;
const RECREATE = 're-create it with `htpasswd -B` (bcrypt)';

/**
 * Says which scheme a password hash is in, as htpasswd writes them. Refused, each with its
 * reason: crypt(3) DES (`htpasswd -d`: no maintained JavaScript implementation, and it keeps only
 * 8 characters of the password), SHA-crypt (`$5$`, `$6$`), `{PLAIN}` and anything else, which
 * nginx would take for a DES hash and which is most often a password written in plain text.
 */
export function classifyHash(hash: string): HashClass {
  if (BCRYPT.test(hash)) return { ok: true, scheme: 'bcrypt' };
  if (APR1.test(hash)) return { ok: true, scheme: 'apr1' };
  if (MD5_CRYPT.test(hash)) return { ok: true, scheme: 'md5-crypt' };
  if (SHA1.test(hash)) return { ok: true, scheme: 'sha1' };
  // 20 bytes of SHA-1 and at least one of salt: more than 28 base64 characters.
  if (SSHA.test(hash) && hash.length > '{SSHA}'.length + 28) return { ok: true, scheme: 'ssha' };
  if (hash === '') return { ok: false, why: 'has an empty password hash' };
  if (hash.startsWith('$2')) {
    return { ok: false, why: `has a malformed or unsupported bcrypt hash; ${RECREATE}` };
  }
  if (hash.startsWith('$apr1$') || hash.startsWith('$1$')) {
    return { ok: false, why: 'has a malformed MD5 ($apr1$) hash' };
  }
  if (hash.startsWith('{SHA}') || hash.startsWith('{SSHA}')) {
    return { ok: false, why: 'has a malformed {SHA} hash' };
  }
  if (hash.startsWith('{PLAIN}')) {
    return { ok: false, why: `has a plain-text password, which pointsman refuses; ${RECREATE}` };
  }
  if (SHA_CRYPT.test(hash)) {
    return { ok: false, why: `has a SHA-crypt ($5$/$6$) hash, not supported; ${RECREATE}` };
  }
  if (DES_CRYPT.test(hash)) {
    return {
      ok: false,
      why: `has a crypt(3) DES hash (htpasswd -d), not supported: it checks only 8 characters of the password; ${RECREATE}`,
    };
  }
  return {
    ok: false,
    why: `has no hash htpasswd writes (a plain-text password?), which pointsman refuses; ${RECREATE}`,
  };
}

/**
 * Parses htpasswd text (an `auth-file` Secret's `auth` key) as nginx reads it: one `user:hash`
 * per line (CRLF or LF), text after a second `:` ignored, empty lines and lines starting with `#`
 * skipped, a user written twice keeping its first line. Stricter than nginx, which skips what it
 * cannot read: a line without `:` or with an empty user, or a hash that {@link classifyHash}
 * refuses, makes the whole text unusable, so that a typo never silently locks a user out or,
 * worse, leaves a plain-text password in use. Never throws; messages name lines and users, never
 * a hash.
 */
export function parseHtpasswd(text: string): CredentialsParse {
  const entries: CredentialEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const where = `line ${String(index + 1)}`;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      return { ok: false, message: `${where} is not user:hash` };
    }
    const user = line.slice(0, colon);
    const rest = line.slice(colon + 1);
    const end = rest.indexOf(':');
    const entry = entryOf(user, end === -1 ? rest : rest.slice(0, end));
    if (!entry.ok) return { ok: false, message: `${where} (user ${quoteUser(user)}) ${entry.why}` };
    if (seen.has(user)) continue;
    seen.add(user);
    entries.push(entry.entry);
  }
  if (entries.length === 0) return { ok: false, message: 'has no user:hash line' };
  return { ok: true, entries };
}

/**
 * Reads an `auth-map` Secret: each key a user, each value its hash (one trailing newline, as
 * `kubectl create secret --from-file` leaves, is dropped). Users in key order.
 */
export function parseAuthMap(data: ReadonlyMap<string, string>): CredentialsParse {
  const entries: CredentialEntry[] = [];
  for (const user of [...data.keys()].sort()) {
    const value = data.get(user) ?? '';
    const hash = value.replace(/\r?\n$/, '');
    const entry = entryOf(user, hash);
    if (!entry.ok) return { ok: false, message: `key ${quoteUser(user)} ${entry.why}` };
    entries.push(entry.entry);
  }
  if (entries.length === 0) return { ok: false, message: 'has no keys' };
  return { ok: true, entries };
}

function entryOf(
  user: string,
  hash: string,
): { ok: true; entry: CredentialEntry } | { ok: false; why: string } {
  // A user name never holds `:` (RFC 7617 splits user-pass at the first one) nor control
  // characters, which no client can send.
  // eslint-disable-next-line no-control-regex
  if (user === '' || /[:\x00-\x1f\x7f]/.test(user)) {
    return { ok: false, why: 'has a user name that is empty or holds `:` or control characters' };
  }
  const known = classifyHash(hash);
  if (!known.ok) return known;
  return { ok: true, entry: { user, scheme: known.scheme, hash } };
}

/** A user name for a message: quoted, bounded, control characters escaped by JSON. */
function quoteUser(user: string): string {
  return JSON.stringify(user.length > 64 ? `${user.slice(0, 64)}...` : user);
}
