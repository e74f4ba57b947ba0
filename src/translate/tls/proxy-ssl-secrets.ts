import { createHash, X509Certificate } from 'node:crypto';
import type { BackendTls, Problem, UpstreamTlsMaterial } from '../../ir/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import type { ProxySslRequest } from '../annotations/index.ts';
import { asRecord, asString } from '../read.ts';
import type { SecretOutcome } from './secret-checks.ts';
import { loadCertificate } from './load-certificate.ts';

/** A proxy-ssl request resolved: the settings for the backends, or why they answer 503. */
export type ProxySslResolved = BackendTls | { readonly problem: string };

type SecretRead =
  | { readonly ok: true; readonly version: string; readonly material: UpstreamTlsMaterial }
  | { readonly ok: false; readonly message: string; readonly field: string };

const CERTIFICATE_BLOCK =
  /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----/g;

/**
 * Checks the Secrets that `proxy-ssl-secret` names, each once per translation: `ca.crt` (PEM
 * certificates) to verify the upstream, and `tls.crt`/`tls.key`, both or neither, the client
 * certificate (its key must be the certificate's). Collects the material of the usable ones by
 * version, and the result each checked Secret gets.
 */
export class ProxySslSecrets {
  readonly #secrets: ReadonlyMap<string, StoredObject>;
  readonly #read = new Map<string, SecretRead>();
  readonly #materials = new Map<string, UpstreamTlsMaterial>();

  constructor(secrets: readonly StoredObject[]) {
    this.#secrets = new Map(
      secrets.map((secret) => [`${secret.namespace}/${secret.name}`, secret]),
    );
  }

  /** The material of every usable Secret resolved so far, by version. */
  get materials(): ReadonlyMap<string, UpstreamTlsMaterial> {
    return this.#materials;
  }

  /**
   * Resolves an Ingress's request. As in ingress-nginx (without its
   * `allow-cross-namespace-resources`), the Secret must be in the Ingress's namespace.
   */
  resolve(request: ProxySslRequest, namespace: string): ProxySslResolved {
    const { secret } = request;
    const text = JSON.stringify(request.secretText.slice(0, 80));
    if (secret === null) return { problem: `proxy-ssl-secret ${text} is not namespace/name` };
    if (secret.namespace !== namespace) {
      return {
        problem: `proxy-ssl-secret ${text}: a Secret of another namespace cannot be used`,
      };
    }
    const key = `${secret.namespace}/${secret.name}`;
    const read = this.#check(key);
    if (!read.ok) return { problem: `proxy-ssl-secret ${key}: ${read.message}` };
    if (request.verify && read.material.caPem === undefined) {
      return { problem: `proxy-ssl-secret ${key} has no ca.crt to verify the upstream with` };
    }
    this.#materials.set(read.version, read.material);
    const { verify, verifyDepth, name, sendName, ciphers, minVersion, maxVersion } = request;
    return {
      secret: { ...secret, version: read.version },
      verify,
      verifyDepth,
      ...(name === undefined ? {} : { name }),
      ...(sendName === undefined ? {} : { sendName }),
      ...(ciphers === undefined ? {} : { ciphers }),
      ...(minVersion === undefined ? {} : { minVersion }),
      ...(maxVersion === undefined ? {} : { maxVersion }),
    };
  }

  /** The result of every Secret that exists and was checked, by `namespace/name`. */
  outcomes(): Map<string, SecretOutcome> {
    const outcomes = new Map<string, SecretOutcome>();
    for (const [key, read] of this.#read) {
      if (!this.#secrets.has(key)) continue;
      if (read.ok) {
        outcomes.set(key, { state: 'Accepted', problems: [] });
      } else {
        const problem: Problem = {
          code: 'InvalidProxySslSecret',
          field: read.field,
          message: read.message,
        };
        outcomes.set(key, { state: 'Rejected', problems: [problem] });
      }
    }
    return outcomes;
  }

  #check(key: string): SecretRead {
    let read = this.#read.get(key);
    if (read === undefined) {
      const secret = this.#secrets.get(key);
      read =
        secret === undefined
          ? {
              ok: false,
              message: 'not found',
              field: 'metadata.name',
            }
          : readSecret(secret);
      this.#read.set(key, read);
    }
    return read;
  }
}

function readSecret(secret: StoredObject): SecretRead {
  const data = asRecord(secret.object['data']);
  const ca = decode(data?.['ca.crt']);
  const cert = decode(data?.['tls.crt']);
  const key = decode(data?.['tls.key']);
  if (ca === null && (cert === null || key === null)) {
    return fail('data[ca.crt]', 'has neither ca.crt nor tls.crt and tls.key');
  }
  if ((cert === null) !== (key === null)) {
    const missing = cert === null ? 'tls.crt' : 'tls.key';
    return fail(
      `data[${missing}]`,
      `has ${cert === null ? 'tls.key' : 'tls.crt'} but no ${missing}`,
    );
  }
  if (ca !== null) {
    const caProblem = caCertificatesProblem(ca);
    if (caProblem !== null) return fail('data[ca.crt]', caProblem);
  }
  const material: { -readonly [K in keyof UpstreamTlsMaterial]: UpstreamTlsMaterial[K] } = {};
  if (ca !== null) material.caPem = ca;
  if (cert !== null && key !== null) {
    const loaded = loadCertificate({ certPem: cert, keyPem: key });
    if (!loaded.ok) {
      const onKey = loaded.problem.code !== 'InvalidCertificate';
      return fail(onKey ? 'data[tls.key]' : 'data[tls.crt]', loaded.problem.message);
    }
    material.certPem = cert;
    material.keyPem = key;
  }
  const version = createHash('sha256')
    .update(ca ?? '')
    .update('\0')
    .update(cert ?? '')
    .update('\0')
    .update(key ?? '')
    .digest('hex');
  return { ok: true, version, material };
}

function caCertificatesProblem(pem: string): string | null {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) return 'ca.crt holds no PEM CERTIFICATE block';
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return `certificate ${String(index + 1)} of ca.crt cannot be parsed: ${detail}`;
    }
  }
  return null;
}

function decode(value: unknown): string | null {
  const text = asString(value);
  if (text === null || text === '') return null;
  return Buffer.from(text, 'base64').toString('utf8');
}

function fail(field: string, message: string): SecretRead {
  return { ok: false, field, message };
}
