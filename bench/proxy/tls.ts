import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
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

/** One HTTPS GET to 127.0.0.1:port (any certificate accepted): status and body length. */
export async function getTls(
  port: number,
  host: string,
): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        headers: { host },
        rejectUnauthorized: false,
        agent: false,
        timeout: 5_000,
      },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, bytes });
        });
        res.on('error', () => {
          resolve({ status: 0, bytes });
        });
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      resolve({ status: 0, bytes: 0 });
    });
    req.end();
  });
}
