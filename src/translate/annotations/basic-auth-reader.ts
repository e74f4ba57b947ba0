import { createHash, createHmac } from 'node:crypto';
import type { CredentialsMaterial, Problem } from '../../ir/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import { asRecord, asString } from '../read.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import { parseAuthMap, parseHtpasswd, type CredentialsParse } from './htpasswd.ts';
import { emptyReaderContext } from './reader-context.ts';
import type { PolicyRead, PolicyReader } from './route-policies.ts';

const TYPE = `${INGRESS_NGINX_PREFIX}/auth-type`;
const SECRET = `${INGRESS_NGINX_PREFIX}/auth-secret`;
const SECRET_TYPE = `${INGRESS_NGINX_PREFIX}/auth-secret-type`;
const REALM = `${INGRESS_NGINX_PREFIX}/auth-realm`;

/** The basic-authentication annotations, canonical spelling, sorted. */
export const BASIC_AUTH_ANNOTATIONS = [REALM, SECRET, SECRET_TYPE, TYPE] as const;

// ingress-nginx's validators (parser.CharsWithSpace for the realm, BasicCharsRegex for the
// Secret): nothing that would need escaping inside `realm="..."`.
const REALM_TEXT = /^[-._~a-zA-Z0-9/: ]*$/;
const DNS_LABEL_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const MAX_REALM = 256;

/**
 * Reads auth-type, auth-secret, auth-secret-type and auth-realm into a basic-authentication
 * policy, as ingress-nginx's auth parser does: without auth-type nothing applies (the others
 * are reported as having no effect); `basic` with a usable Secret is honoured; anything else
 * (digest, another value, no or a bad auth-secret, a Secret of another namespace without
 * `--allow-cross-namespace-resources`, a missing or malformed Secret, a bad auth-secret-type or
 * auth-realm) fails closed, where ingress-nginx denies the location.
 */
export const readBasicAuth: PolicyReader = (annotations, context = emptyReaderContext()) => {
  const value = (key: string): string => annotations[key] ?? '';
  const present = BASIC_AUTH_ANNOTATIONS.filter((key) => annotations[key] !== undefined);
  if (annotations[TYPE] === undefined) {
    return {
      policies: {},
      problems: present.map((key) =>
        problem('IgnoredAnnotation', key, `${key} has no effect without ${TYPE}`),
      ),
    };
  }
  const fail = (key: string, message: string): PolicyRead => ({
    policies: {},
    problems: [problem('AccessControlNotEnforced', key, message)],
    failClosed: present,
  });
  const type = value(TYPE);
  if (type === 'digest') {
    return fail(TYPE, `${TYPE}: digest is not supported by pointsman (use basic)`);
  }
  if (type !== 'basic') {
    return fail(TYPE, `${TYPE} must be basic or digest, not ${show(type)}`);
  }
  const secretType = annotations[SECRET_TYPE] ?? 'auth-file';
  if (secretType !== 'auth-file' && secretType !== 'auth-map') {
    return fail(
      SECRET_TYPE,
      `${SECRET_TYPE} must be auth-file or auth-map, not ${show(secretType)}`,
    );
  }
  const realm = value(REALM);
  if (realm.length > MAX_REALM || !REALM_TEXT.test(realm)) {
    return fail(
      REALM,
      `${REALM} ${show(realm)} may hold only letters, digits, spaces and -._~/: (at most ${String(MAX_REALM)} characters)`,
    );
  }
  const ref = secretRef(value(SECRET), context.namespace);
  if (typeof ref === 'string') return fail(SECRET, `${SECRET} ${ref}`);
  if (
    ref.namespace !== context.namespace &&
    context.options.allowCrossNamespaceResources !== true
  ) {
    return fail(
      SECRET,
      `${SECRET} ${show(value(SECRET))} names a Secret of another namespace, which needs --allow-cross-namespace-resources`,
    );
  }
  const key = `${ref.namespace}/${ref.name}`;
  const object = context.secret(ref.namespace, ref.name);
  if (object === undefined) {
    // Until the cluster source lists Secrets of other types (sources/kubernetes), say so.
    return fail(SECRET, `${SECRET}: Secret ${key} not found`);
  }
  const read = credentialsOf(object, secretType);
  if (!read.ok) {
    const message = `${SECRET}: Secret ${key} ${read.message}`;
    context.access.noteSecret(key, {
      state: 'Rejected',
      problems: [{ code: 'InvalidAuthSecret', field: read.field, message: read.message }],
    });
    return {
      policies: {},
      problems: [problem('InvalidAuthSecret', SECRET, message)],
      failClosed: present,
    };
  }
  context.access.noteSecret(key, { state: 'Accepted', problems: [] });
  const material: CredentialsMaterial = { entries: read.entries };
  const version = versionOf(material, context.options.versionKey);
  context.access.addCredentials(version, material);
  return {
    policies: { basicAuth: { realm, secret: { ...ref, version } } },
    problems: [],
  };
};

/** `name` or `namespace/name`, each a valid Kubernetes name; or why not. */
function secretRef(
  text: string,
  namespace: string,
): { readonly namespace: string; readonly name: string } | string {
  if (text === '') return 'is missing: basic authentication needs a Secret';
  const parts = text.split('/');
  const [first = '', second] = parts;
  const ref =
    parts.length === 1
      ? { namespace, name: first }
      : parts.length === 2
        ? { namespace: first, name: second ?? '' }
        : null;
  if (ref === null || !DNS_LABEL_NAME.test(ref.namespace) || !SUBDOMAIN_NAME.test(ref.name)) {
    return `${show(text)} is not name or namespace/name`;
  }
  return ref;
}

type SecretRead = CredentialsParse | { readonly ok: false; readonly message: string };

function credentialsOf(
  secret: StoredObject,
  secretType: 'auth-file' | 'auth-map',
): (CredentialsParse & { ok: true }) | { ok: false; message: string; field: string } {
  const data = asRecord(secret.object['data']) ?? {};
  if (secretType === 'auth-file') {
    const auth = decode(data['auth']);
    if (auth === null) {
      return {
        ok: false,
        field: 'data[auth]',
        message: 'has no auth key (auth-secret-type auth-file)',
      };
    }
    const parsed: SecretRead = parseHtpasswd(auth);
    return parsed.ok
      ? parsed
      : { ok: false, field: 'data[auth]', message: `auth ${parsed.message}` };
  }
  const map = new Map<string, string>();
  for (const [user, raw] of Object.entries(data)) {
    const text = decode(raw);
    if (text !== null) map.set(user, text);
  }
  const parsed = parseAuthMap(map);
  return parsed.ok ? parsed : { ok: false, field: 'data', message: parsed.message };
}

/**
 * A hash of the parsed credentials: it changes with any user or hash. Keyed (HMAC) when the
 * options carry a key, so that it gives no way to test a guessed password offline.
 */
function versionOf(material: CredentialsMaterial, key: Uint8Array | undefined): string {
  const hash = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  for (const { user, scheme, hash: text } of material.entries) {
    hash.update(user).update('\0').update(scheme).update('\0').update(text).update('\n');
  }
  return hash.digest('hex');
}

function decode(value: unknown): string | null {
  const text = asString(value);
  if (text === null) return null;
  return Buffer.from(text, 'base64').toString('utf8');
}

function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
}

function problem(code: Problem['code'], key: string, message: string): Problem {
  return { code, field: `metadata.annotations[${key}]`, message };
}
