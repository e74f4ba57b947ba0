import { createHash, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type {
  ClientCaMaterial,
  ClientCertificatePolicy,
  ClientVerifyMode,
  Problem,
  ReasonCode,
} from '../../ir/index.ts';
import { patternProblem } from '../../ir/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import { asRecord, asString } from '../read.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import { emptyReaderContext, type ReaderContext } from './reader-context.ts';
import type { PolicyReader } from './route-policies.ts';

const key = (name: string): string => `${INGRESS_NGINX_PREFIX}/${name}`;
const SECRET = key('auth-tls-secret');
const VERIFY = key('auth-tls-verify-client');
const DEPTH = key('auth-tls-verify-depth');
const ERROR_PAGE = key('auth-tls-error-page');
const PASS = key('auth-tls-pass-certificate-to-upstream');
const MATCH_CN = key('auth-tls-match-cn');

/** The client-certificate annotations, canonical spelling. */
export const CLIENT_CERTIFICATE_ANNOTATIONS = [
  SECRET,
  VERIFY,
  DEPTH,
  ERROR_PAGE,
  PASS,
  MATCH_CN,
] as const;

const VERIFY_MODES: readonly ClientVerifyMode[] = ['on', 'off', 'optional', 'optional_no_ca'];
const DNS_LABEL_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
// ingress-nginx's redirectRegex for auth-tls-error-page, less the `@location` form (no named
// locations here): an absolute http(s) URL, host[:port] and path, or a path.
const ERROR_PAGE_TEXT = /^(((https?:\/\/)?[A-Za-z0-9\-.]+(:\d+)?)?(\/[A-Za-z0-9\-_.]+)*\/?)$/;
const CERTIFICATE_BLOCK =
  /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----/g;
const MAX_DEPTH = 100;

/** What the client-certificate annotations of one Ingress come to. */
export interface ClientCertificateRead {
  /** The policy for the Ingress's hosts; null when it asks for none or cannot be honoured. */
  readonly policy: ClientCertificatePolicy | null;
  readonly problems: readonly Problem[];
  /** The annotation keys that make the Ingress fail closed (see PolicyRead.failClosed). */
  readonly failClosed: readonly string[];
}

/**
 * Reads auth-tls-* as ingress-nginx's authtls parser does. Without auth-tls-secret nothing
 * applies (the others are reported as having no effect). The Secret is `namespace/name` (an
 * empty namespace is the Ingress's own), in the Ingress's namespace unless
 * `--allow-cross-namespace-resources`; it needs a `ca.crt` of PEM certificates and may have a
 * `ca.crl`. auth-tls-verify-client other than on/off/optional/optional_no_ca is `on`, and a
 * depth that is not a positive number is 1, as in ingress-nginx (pointsman says so). A bad
 * Secret, error page, pass-certificate or match-cn fails closed, where ingress-nginx denies the
 * server or drops the Ingress.
 */
export function readClientCertificatePolicy(
  annotations: Readonly<Record<string, string>>,
  context: ReaderContext = emptyReaderContext(),
): ClientCertificateRead {
  const present = CLIENT_CERTIFICATE_ANNOTATIONS.filter((name) => annotations[name] !== undefined);
  if (annotations[SECRET] === undefined) {
    const problems = present.map((name) =>
      problem('IgnoredAnnotation', name, `${name} has no effect without ${SECRET}`),
    );
    return { policy: null, problems, failClosed: [] };
  }
  const fail = (
    name: string,
    message: string,
    code: ReasonCode = 'AccessControlNotEnforced',
  ): ClientCertificateRead => ({
    policy: null,
    problems: [problem(code, name, message)],
    failClosed: present,
  });
  const problems: Problem[] = [];
  const verifyText = annotations[VERIFY];
  let verify: ClientVerifyMode = 'on';
  if (verifyText !== undefined) {
    const mode = VERIFY_MODES.find((candidate) => candidate === verifyText);
    if (mode === undefined) {
      problems.push(
        problem(
          'IgnoredAnnotation',
          VERIFY,
          `${VERIFY} must be on, off, optional or optional_no_ca, not ${show(verifyText)}; on is used, as in ingress-nginx`,
        ),
      );
    } else verify = mode;
  }
  const depth = depthOf(annotations[DEPTH], problems);
  const errorPage = annotations[ERROR_PAGE] ?? '';
  if (errorPage !== '' && (errorPage.length > 2048 || !ERROR_PAGE_TEXT.test(errorPage))) {
    return fail(
      ERROR_PAGE,
      `${ERROR_PAGE} ${show(errorPage)} is not a URL or path ingress-nginx accepts`,
    );
  }
  const passText = annotations[PASS];
  if (passText !== undefined && passText !== 'true' && passText !== 'false') {
    return fail(PASS, `${PASS} must be true or false, not ${show(passText)}`);
  }
  const matchCn = annotations[MATCH_CN] ?? '';
  if (matchCn !== '') {
    if (!matchCn.startsWith('CN=')) {
      return fail(MATCH_CN, `${MATCH_CN} ${show(matchCn)} must start with CN=`);
    }
    const bad = patternProblem(matchCn);
    if (bad !== null)
      return fail(MATCH_CN, `${MATCH_CN} ${show(matchCn)} is not an RE2 pattern: ${bad}`);
  }
  const ref = secretRef(annotations[SECRET] ?? '', context.namespace);
  if (typeof ref === 'string') return fail(SECRET, `${SECRET} ${ref}`);
  if (
    ref.namespace !== context.namespace &&
    context.options.allowCrossNamespaceResources !== true
  ) {
    return fail(
      SECRET,
      `${SECRET} ${show(annotations[SECRET] ?? '')} names a Secret of another namespace, which needs --allow-cross-namespace-resources`,
    );
  }
  const secretKey = `${ref.namespace}/${ref.name}`;
  const object = context.secret(ref.namespace, ref.name);
  if (object === undefined) {
    return fail(SECRET, `${SECRET}: Secret ${secretKey} not found`);
  }
  const read = caMaterialOf(object);
  if (!read.ok) {
    context.access.noteSecret(secretKey, {
      state: 'Rejected',
      problems: [{ code: 'InvalidAuthTlsSecret', field: read.field, message: read.message }],
    });
    return fail(SECRET, `${SECRET}: Secret ${secretKey} ${read.message}`, 'InvalidAuthTlsSecret');
  }
  context.access.noteSecret(secretKey, { state: 'Accepted', problems: [] });
  const version = versionOf(read.material);
  context.access.addClientCa(version, read.material);
  const policy: ClientCertificatePolicy = {
    secret: { ...ref, version },
    verify,
    depth,
    passCertificate: passText === 'true',
    ...(errorPage === '' ? {} : { errorPage }),
    ...(matchCn === '' ? {} : { matchSubject: matchCn }),
  };
  return { policy, problems, failClosed: [] };
}

/**
 * The reader registered with the route policies: client certificates belong to the TLS host,
 * not to a route (translation binds {@link readClientCertificatePolicy}'s policy to the
 * Ingress's hosts), so it adds no route policy; it reports, and makes the Ingress fail closed
 * when the annotations cannot be honoured.
 */
export const readClientCertificates: PolicyReader = (annotations, context) => {
  const read = readClientCertificatePolicy(annotations, context);
  return {
    policies: {},
    problems: read.problems,
    ...(read.failClosed.length === 0 ? {} : { failClosed: read.failClosed }),
  };
};

function depthOf(text: string | undefined, problems: Problem[]): number {
  if (text === undefined) return 1;
  const depth = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isInteger(depth) && depth > 0 && depth <= MAX_DEPTH) return depth;
  problems.push(
    problem(
      'IgnoredAnnotation',
      DEPTH,
      `${DEPTH} must be a number from 1 to ${String(MAX_DEPTH)}, not ${show(text)}; 1 is used, as in ingress-nginx`,
    ),
  );
  return 1;
}

/** `namespace/name` (an empty namespace is the Ingress's), as ingress-nginx's ParseNameNS; or why not. */
function secretRef(
  text: string,
  namespace: string,
): { readonly namespace: string; readonly name: string } | string {
  const parts = text.split('/');
  if (parts.length !== 2) return `${show(text)} is not namespace/name`;
  const ref = { namespace: parts[0] === '' ? namespace : (parts[0] ?? ''), name: parts[1] ?? '' };
  if (!DNS_LABEL_NAME.test(ref.namespace) || !SUBDOMAIN_NAME.test(ref.name)) {
    return `${show(text)} is not namespace/name`;
  }
  return ref;
}

type CaRead =
  | { readonly ok: true; readonly material: ClientCaMaterial }
  | { readonly ok: false; readonly field: string; readonly message: string };

function caMaterialOf(secret: StoredObject): CaRead {
  const data = asRecord(secret.object['data']) ?? {};
  const ca = decode(data['ca.crt']);
  if (ca === null) return { ok: false, field: 'data[ca.crt]', message: 'has no ca.crt' };
  const blocks = ca.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    return { ok: false, field: 'data[ca.crt]', message: 'ca.crt holds no PEM CERTIFICATE block' };
  }
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      const message = `certificate ${String(index + 1)} of ca.crt cannot be parsed: ${detail(error)}`;
      return { ok: false, field: 'data[ca.crt]', message };
    }
  }
  const crl = decode(data['ca.crl']);
  if (crl !== null) {
    try {
      // OpenSSL reads the CRL as the handshake will; the context is dropped.
      createSecureContext({ ca: blocks, crl });
    } catch (error) {
      return {
        ok: false,
        field: 'data[ca.crl]',
        message: `ca.crl cannot be used: ${detail(error)}`,
      };
    }
  }
  const caPem = blocks.join('\n') + '\n';
  return { ok: true, material: crl === null ? { caPem } : { caPem, crlPem: crl } };
}

function versionOf(material: ClientCaMaterial): string {
  return createHash('sha256')
    .update(material.caPem)
    .update('\0')
    .update(material.crlPem ?? '')
    .digest('hex');
}

function decode(value: unknown): string | null {
  const text = asString(value);
  if (text === null || text === '') return null;
  return Buffer.from(text, 'base64').toString('utf8');
}

function detail(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function problem(code: ReasonCode, annotation: string, message: string): Problem {
  return { code, field: `metadata.annotations[${annotation}]`, message };
}

function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
