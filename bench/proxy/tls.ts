import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Writes `tls.crt` and `tls.key` into `dir`: a self-signed ECDSA P-256 certificate for `host`,
 * the kind pointsman makes for its default certificate, so both proxies do the same handshake
 * work.
 */
export function writeCertificate(openssl: string, dir: string, host: string): void {
  execFileSync(openssl, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    join(dir, 'tls.key'),
    '-out',
    join(dir, 'tls.crt'),
    '-days',
    '2',
    '-subj',
    `/CN=${host}`,
    '-addext',
    `subjectAltName=DNS:${host}`,
  ]);
}
