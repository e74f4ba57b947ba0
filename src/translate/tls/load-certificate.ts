import { createHash } from 'node:crypto';
import type { CertificateMaterial, TlsProblem } from '../../ir/index.ts';
import { parseCertificateChain } from './certificate-chain.ts';
import { namesOf, type CertificateNames } from './certificate-names.ts';
import { parsePrivateKey } from './private-key.ts';

/** A certificate chain and key that parse and belong together. */
export interface LoadedCertificate {
  /** SHA-256 (hex) of the chain and key text: equal material, equal version. */
  readonly version: string;
  readonly material: CertificateMaterial;
  readonly names: CertificateNames;
  /** Validity period of the leaf, in milliseconds since the epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
}

/** A loaded certificate, or the problem that makes the material unusable. */
export type CertificateLoad =
  | { readonly ok: true; readonly certificate: LoadedCertificate }
  | { readonly ok: false; readonly problem: TlsProblem };

// Parsing a chain and a key costs far more than hashing them, and the same Secrets come back
// on every rebuild. The result depends on the material alone, so remembering it keeps
// translation pure. Bounded: past the limit it starts over.
const MEMO_LIMIT = 4096;
const memo = new Map<string, CertificateLoad>();

/**
 * Checks that a `tls.crt` parses as a PEM chain, that `tls.key` parses as a private key, and
 * that the key is the leaf certificate's. Validity period and host coverage are checked by
 * the caller, since they depend on the time and on the host.
 */
export function loadCertificate(material: CertificateMaterial): CertificateLoad {
  const version = versionOf(material);
  const known = memo.get(version);
  if (known !== undefined) return known;
  const loaded = load(material, version);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(version, loaded);
  return loaded;
}

/** The version of a certificate: SHA-256 over the chain and the key, separated by a NUL. */
export function versionOf(material: CertificateMaterial): string {
  return createHash('sha256')
    .update(material.certPem)
    .update('\0')
    .update(material.keyPem)
    .digest('hex');
}

function load(material: CertificateMaterial, version: string): CertificateLoad {
  const chain = parseCertificateChain(material.certPem);
  if (!chain.ok) return failure('InvalidCertificate', chain.message);
  const key = parsePrivateKey(material.keyPem);
  if (!key.ok) return failure('InvalidPrivateKey', key.message);
  const [leaf] = chain.chain;
  if (!leaf.checkPrivateKey(key.key)) {
    return failure(
      'CertificateKeyMismatch',
      `tls.key is not the private key of the certificate in tls.crt (subject ${oneLine(leaf.subject)})`,
    );
  }
  return {
    ok: true,
    certificate: {
      version,
      material,
      names: namesOf(leaf),
      notBefore: leaf.validFromDate.getTime(),
      notAfter: leaf.validToDate.getTime(),
    },
  };
}

function failure(code: TlsProblem['code'], message: string): CertificateLoad {
  return { ok: false, problem: { code, message } };
}

function oneLine(subject: string): string {
  return subject.split('\n').filter(Boolean).join(', ');
}
