import type { BasicAuthPolicy } from '../../ir/index.ts';
import type { Gate, GateRequest, GateVerdict, HeaderPair } from './gate.ts';
import { CHEAP_SCHEMES, passwordMatches } from './password-hash.ts';

// nginx's auth_basic leaves the Authorization header in place; ingress-nginx adds
// `proxy_set_header Authorization ""` to every location with basic authentication, so the
// backend never sees the password. An empty value removes the header (gate.ts, Grant).
const PASSED: GateVerdict = Object.freeze({
  kind: 'pass',
  grant: Object.freeze({ upstreamHeaders: Object.freeze([['authorization', '']] as const) }),
});
const BUSY: GateVerdict = Object.freeze({
  kind: 'refuse',
  code: 'PM_ERR_AUTH_BUSY',
  headers: Object.freeze([['retry-after', '1']] as const),
});
const BAD_REQUEST: GateVerdict = Object.freeze({ kind: 'refuse', code: 'PM_ERR_BAD_REQUEST' });
const NOT_ENFORCED: GateVerdict = Object.freeze({
  kind: 'refuse',
  code: 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED',
});
const FAILED: GateVerdict = Object.freeze({ kind: 'refuse', code: 'PM_ERR_INTERNAL' });

// Base64 of user:password, bounded: nginx's own limit is its header buffer; 4 KiB of base64 is
// more than any real credential and keeps hashing and HMAC work per request small.
const MAX_ENCODED = 4096;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const SEVERAL = Symbol('several Authorization headers');

/**
 * Checks HTTP basic authentication (auth-type: basic) as nginx's auth_basic: one
 * `Authorization: Basic base64(user:password)` header, the user known to the route's Secret
 * and the password matching its hash. Otherwise 401 PM_ERR_UNAUTHORIZED with
 * `WWW-Authenticate: Basic realm="..."`; two Authorization headers are a 400, as nginx answers
 * a duplicate one. Slow hashes run on hash workers (hash-workers.ts) behind a bounded queue
 * (503 PM_ERR_AUTH_BUSY when full), and a credential that passed is remembered (bounded LRU),
 * so a legitimate client pays for bcrypt once.
 */
export const basicAuthGate: Gate = (request) => {
  const policy = request.policies.basicAuth;
  if (policy === undefined) return undefined;
  return basicAuthVerdict(policy, request);
};

function basicAuthVerdict(
  policy: BasicAuthPolicy,
  request: GateRequest,
): GateVerdict | Promise<GateVerdict> {
  const material = request.table.access.credentials.get(policy.secret.version);
  // The translator always sends the credentials a policy names; without them, fail closed.
  if (material === undefined) return NOT_ENFORCED;
  const header = authorizationOf(request.rawHeaders);
  if (header === SEVERAL) return BAD_REQUEST;
  const unauthorized = challenge(policy.realm);
  if (header === undefined) return unauthorized;
  const credential = basicCredentialOf(header);
  if (credential === null) return unauthorized;
  const state = request.state.basicAuth;
  const entry = state.userOf(material, credential.user);
  // An unknown user is answered at once, as nginx does: no hash work for names not in the list.
  if (entry === undefined) return unauthorized;
  const key = state.verified.keyOf(policy.secret.version, credential.user, credential.password);
  if (state.verified.has(key)) return PASSED;
  if (CHEAP_SCHEMES.has(entry.scheme)) {
    return passwordMatches(entry.scheme, entry.hash, credential.password) ? PASSED : unauthorized;
  }
  const check = state.workers.check(entry.scheme, entry.hash, credential.password);
  if (check === null) return BUSY;
  return check.then(
    (matches) => {
      if (!matches) return unauthorized;
      state.verified.add(key);
      return PASSED;
    },
    () => FAILED,
  );
}

/** The one Authorization header's value; undefined without one, SEVERAL with more. */
function authorizationOf(rawHeaders: readonly string[]): string | typeof SEVERAL | undefined {
  let found: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    if (name.length !== 13 || name.toLowerCase() !== 'authorization') continue;
    if (found !== undefined) return SEVERAL;
    found = rawHeaders[i + 1] ?? '';
  }
  return found;
}

/**
 * The user and password (UTF-8 bytes) of `Basic <base64>` (RFC 7617; the scheme in any case,
 * spaces after it skipped, as nginx does); null when malformed, without a `:`, or not UTF-8.
 */
export function basicCredentialOf(
  header: string,
): { readonly user: string; readonly password: Buffer } | null {
  if (header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return null;
  const encoded = header.slice(6).trim();
  if (encoded.length === 0 || encoded.length > MAX_ENCODED || !BASE64.test(encoded)) return null;
  const decoded = Buffer.from(encoded, 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon <= 0) return null;
  let user: string;
  try {
    user = UTF8.decode(decoded.subarray(0, colon));
    UTF8.decode(decoded.subarray(colon + 1));
  } catch {
    return null;
  }
  return { user, password: decoded.subarray(colon + 1) };
}

// One challenge per realm: the realm holds only characters ingress-nginx's validator allows
// (letters, digits, space, -._~/:), so it needs no escaping inside the quotes.
const challenges = new Map<string, GateVerdict>();
const MAX_CHALLENGES = 1024;

function challenge(realm: string): GateVerdict {
  let verdict = challenges.get(realm);
  if (verdict === undefined) {
    // Defence in depth: never a quote, backslash or line break inside the quoted string.
    // eslint-disable-next-line no-control-regex
    const safe = realm.replace(/["\\\x00-\x1f\x7f]/g, '');
    const headers: readonly HeaderPair[] = [['www-authenticate', `Basic realm="${safe}"`]];
    verdict = Object.freeze({ kind: 'refuse', code: 'PM_ERR_UNAUTHORIZED', headers });
    if (challenges.size >= MAX_CHALLENGES) challenges.clear();
    challenges.set(realm, verdict);
  }
  return verdict;
}
