import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from './io.ts';

/** The flag of `serve` that keys persistent session cookies (docs/annotations.md). */
export const SESSION_COOKIE_FLAGS = {
  'session-cookie-key-file': { type: 'string' },
} as const;

/** Help lines of {@link SESSION_COOKIE_FLAGS}. */
export const SESSION_COOKIE_FLAGS_HELP = `      --session-cookie-key-file PATH
                                  secret (16 to 4096 bytes, e.g. a mounted Secret) that keys the
                                  cookies of affinity-mode: persistent; give every replica the
                                  same one (default: random per process)`;

const MIN_BYTES = 16;
const MAX_BYTES = 4096;

/**
 * The key of persistent session cookies: the file's bytes, or random bytes when no file is
 * given. One key per process, shared by its HTTP and HTTPS listeners, so a cookie set on one is
 * read on the other. Throws a UsageError for a file that cannot be read or has a bad size.
 */
export function sessionCookieKeyFrom(
  values: { readonly 'session-cookie-key-file'?: string | undefined },
  read: (path: string) => Buffer = readFileSync,
): Uint8Array {
  const path = values['session-cookie-key-file'];
  if (path === undefined) return randomBytes(32);
  let key: Buffer;
  try {
    key = read(path);
  } catch (error) {
    throw new UsageError(
      `--session-cookie-key-file ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
    throw new UsageError(
      `--session-cookie-key-file ${path}: the key must hold ${String(MIN_BYTES)} to ${String(MAX_BYTES)} bytes, not ${String(key.length)}`,
    );
  }
  return key;
}
