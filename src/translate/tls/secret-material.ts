import type { CertificateMaterial, TlsProblem } from '../../ir/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import { asRecord, asString } from '../read.ts';

/** The material of a TLS Secret, or why it has none. */
export type MaterialRead =
  | { readonly ok: true; readonly material: CertificateMaterial }
  | { readonly ok: false; readonly problem: TlsProblem };

/**
 * Reads `data["tls.crt"]` and `data["tls.key"]` of a Secret as text. Values in `data` are
 * base64, as the API server stores them (the files source folds `stringData` in the same way).
 * The Secret's `type` is not checked: like ingress-nginx, any Secret with both keys will do.
 */
export function readTlsSecret(secret: StoredObject): MaterialRead {
  const data = asRecord(secret.object['data']);
  const cert = decode(data?.['tls.crt']);
  const key = decode(data?.['tls.key']);
  const where = `Secret ${secret.namespace}/${secret.name}`;
  if (cert === null) {
    return failure('InvalidCertificate', `${where} has no tls.crt (a PEM certificate chain)`);
  }
  if (key === null) {
    return failure('InvalidPrivateKey', `${where} has no tls.key (a PEM private key)`);
  }
  return { ok: true, material: { certPem: cert, keyPem: key } };
}

function decode(value: unknown): string | null {
  const text = asString(value);
  if (text === null || text === '') return null;
  return Buffer.from(text, 'base64').toString('utf8');
}

function failure(code: TlsProblem['code'], message: string): MaterialRead {
  return { ok: false, problem: { code, message } };
}
