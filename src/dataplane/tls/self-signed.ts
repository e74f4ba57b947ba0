import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import type { CertificateMaterial } from '../../ir/index.ts';
import {
  TRUE,
  bitString,
  explicit,
  implicitPrimitive,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der.ts';

/** Options of {@link generateSelfSigned}. */
export interface SelfSignedOptions {
  /** The DNS name in the subjectAltName (and the CN). */
  readonly dnsName: string;
  /** Start of the validity period; default now. */
  readonly now?: Date;
  /** Days of validity; default ten years, as it is made afresh at each start anyway. */
  readonly days?: number;
}

/** The name the generated default certificate carries: `.invalid` can never be a real host. */
export const DEFAULT_CERTIFICATE_NAME = 'pointsman-default.invalid';

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
const DAY_MS = 86_400_000;

/**
 * Makes a self-signed X.509 v3 certificate with a new P-256 key: the default certificate, for
 * handshakes without SNI, unknown names and hosts whose Secret is unusable. It carries the DNS
 * name as subjectAltName (what clients check), CA:false, and serverAuth as extended key usage.
 * The validity period starts an hour back, to allow for clock skew.
 */
export function generateSelfSigned(options: SelfSignedOptions): CertificateMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const start = new Date((options.now ?? new Date()).getTime() - 3_600_000);
  const end = new Date(start.getTime() + (options.days ?? 3650) * DAY_MS);
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8String(options.dnsName))));
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    ECDSA_WITH_SHA256,
    name,
    sequence(time(start), time(end)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions(options.dnsName))),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
  const certPem = new X509Certificate(der).toString();
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem, keyPem };
}

function extensions(dnsName: string): Buffer[] {
  const san = sequence(implicitPrimitive(2, Buffer.from(dnsName, 'latin1')));
  // keyUsage digitalSignature: bit 0 of a one-byte string, the other seven bits unused.
  const keyUsage = bitString(Buffer.from([0x80]), 7);
  const serverAuth = sequence(oid('1.3.6.1.5.5.7.3.1'));
  return [
    sequence(oid('2.5.29.17'), octetString(san)),
    sequence(oid('2.5.29.19'), TRUE, octetString(sequence())),
    sequence(oid('2.5.29.15'), TRUE, octetString(keyUsage)),
    sequence(oid('2.5.29.37'), octetString(serverAuth)),
  ];
}
