import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate chain and its key, as PEM. */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Options of {@link TestCa.issue}. */
export interface IssueOptions {
  /** subjectAltName DNS names (the first is also the CN). */
  readonly dns: readonly string[];
  /** subjectAltName IP addresses (none by default). */
  readonly ips?: readonly string[];
  /** Days of validity (default 30). */
  readonly days?: number;
  /** `ec` (P-256, the default) or `rsa` (2048 bits). */
  readonly key?: 'ec' | 'rsa';
  /**
   * The PEM form of `keyPem`: `pkcs8` (`PRIVATE KEY`, the default), `pkcs1` (`RSA PRIVATE
   * KEY`, RSA keys only) or `sec1` (`EC PRIVATE KEY`, EC keys only), the traditional forms
   * `openssl pkey -traditional` writes and many older tools still do.
   */
  readonly keyFormat?: KeyFormat;
  /** Also usable as a TLS client certificate (extendedKeyUsage clientAuth). */
  readonly clientAuth?: boolean;
}

/** The PEM encodings of a private key that a Secret's `tls.key` may hold. */
export type KeyFormat = 'pkcs8' | 'pkcs1' | 'sec1';

/** A throw-away certificate authority made with the `openssl` command in a temp directory. */
export interface TestCa {
  /** The CA certificate, to trust in clients. */
  readonly caPem: string;
  /** Issues a server certificate signed by the CA. */
  issue(options: IssueOptions): Promise<IssuedCertificate>;
  /** Removes the temp directory. */
  close(): Promise<void>;
}

/** Makes a CA (P-256, ten years). Certificates it issues name it as their issuer. */
export async function createTestCa(): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'pointsman-ca-'));
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-days',
    '3650',
    '-subj',
    '/CN=pointsman test CA',
  ]);
  let serial = 0x1000;
  return {
    caPem: await readFile(caCert, 'utf8'),
    issue: async (options) => {
      const keyFormat = options.keyFormat ?? 'pkcs8';
      const expected = options.key === 'rsa' ? 'pkcs1' : 'sec1';
      if (keyFormat !== 'pkcs8' && keyFormat !== expected) {
        throw new Error(`a ${options.key ?? 'ec'} key cannot be written as ${keyFormat}`);
      }
      serial++;
      const base = join(dir, `leaf-${String(serial)}`);
      const keyArgs =
        options.key === 'rsa'
          ? ['-newkey', 'rsa:2048']
          : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
      const subject = `/CN=${options.dns[0] ?? 'test'}`;
      await run('openssl', [
        'req',
        '-new',
        ...keyArgs,
        '-nodes',
        '-keyout',
        `${base}.key`,
        '-out',
        `${base}.csr`,
        '-subj',
        subject,
      ]);
      const san = [
        ...options.dns.map((name) => `DNS:${name}`),
        ...(options.ips ?? []).map((ip) => `IP:${ip}`),
      ].join(',');
      await writeFile(
        `${base}.ext`,
        `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth${options.clientAuth === true ? ',clientAuth' : ''}\n`,
      );
      await run('openssl', [
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        caCert,
        '-CAkey',
        caKey,
        '-set_serial',
        String(serial),
        '-days',
        String(options.days ?? 30),
        '-extfile',
        `${base}.ext`,
        '-out',
        `${base}.crt`,
      ]);
      // Written again whatever openssl chose, so the form is the one asked for.
      const key = createPrivateKey(await readFile(`${base}.key`, 'utf8'));
      return {
        certPem: await readFile(`${base}.crt`, 'utf8'),
        keyPem: key.export({ type: keyFormat, format: 'pem' }).toString(),
      };
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A `kubernetes.io/tls` Secret holding a certificate (as `data`, base64, as the API stores it). */
export function tlsSecret(
  name: string,
  certificate: IssuedCertificate,
  namespace = 'default',
): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(certificate.certPem).toString('base64'),
      'tls.key': Buffer.from(certificate.keyPem).toString('base64'),
    },
  };
}
