import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A client certificate and its key, as PEM, and the files curl reads them from. */
export interface ClientCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A CA for client certificates (auth-tls-secret), made with `openssl ca` in a temp directory. */
export interface ClientCa {
  /** This CA's certificate (PEM). */
  readonly caPem: string;
  /** The certificates above it, nearest first, up to the root (none for a root). */
  readonly chainPem: string;
  /** Makes an intermediate CA this one signs. */
  intermediate(name: string): Promise<ClientCa>;
  /** Issues a client certificate with this subject (`/O=Example/CN=alice`). */
  issue(subject: string): Promise<ClientCertificate>;
  /** Revokes a certificate it issued; the next {@link crl} lists it. */
  revoke(certificate: ClientCertificate): Promise<void>;
  /** The CRL, as PEM. */
  crl(): Promise<string>;
  close(): Promise<void>;
}

const CONFIG = (dir: string): string => `
[ca]
default_ca = test_ca
[test_ca]
dir = ${dir}
database = ${dir}/index.txt
serial = ${dir}/serial
crlnumber = ${dir}/crlnumber
new_certs_dir = ${dir}
certificate = ${dir}/ca.crt
private_key = ${dir}/ca.key
default_md = sha256
default_days = 30
default_crl_days = 30
policy = any
unique_subject = no
copy_extensions = none
x509_extensions = client
[any]
organizationName = optional
commonName = supplied
[client]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
[intermediate]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
`;

/**
 * Makes a CA (P-256) whose name is `name`: a root, or an intermediate signed by `parent`.
 * Certificates issued by an intermediate are written with the chain up to the root (what a
 * client sends), less the root itself.
 */
export async function createClientCa(
  name: string,
  parent?: {
    readonly sign: (csr: string, out: string) => Promise<void>;
    readonly chainPem: string;
    readonly caPem: string;
  },
): Promise<ClientCa> {
  const dir = await mkdtemp(join(tmpdir(), 'pointsman-client-ca-'));
  const config = join(dir, 'openssl.cnf');
  await writeFile(config, CONFIG(dir));
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '1000\n');
  await writeFile(join(dir, 'crlnumber'), '1000\n');
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  if (parent === undefined) {
    await run('openssl', [
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      join(dir, 'ca.crt'),
      '-days',
      '3650',
      '-subj',
      `/CN=${name}`,
    ]);
  } else {
    const csr = join(dir, 'ca.csr');
    await run('openssl', [
      'req',
      ...newKey,
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      csr,
      '-subj',
      `/CN=${name}`,
    ]);
    await parent.sign(csr, join(dir, 'ca.crt'));
  }
  const caPem = await readFile(join(dir, 'ca.crt'), 'utf8');
  // What a client sends above its own certificate: this CA and those above it, less the root.
  const chainPem = parent === undefined ? '' : caPem + parent.chainPem;
  const sign = async (csr: string, out: string): Promise<void> => {
    await run('openssl', [
      'ca',
      '-batch',
      '-config',
      config,
      '-extensions',
      'intermediate',
      '-in',
      csr,
      '-out',
      out,
      '-notext',
    ]);
  };
  let count = 0;
  return {
    caPem,
    chainPem,
    intermediate: (child) => createClientCa(child, { sign, chainPem, caPem }),
    issue: async (subject) => {
      count++;
      const base = join(dir, `client-${String(count)}`);
      await run('openssl', [
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        `${base}.key`,
        '-out',
        `${base}.csr`,
        '-subj',
        subject,
      ]);
      await run('openssl', [
        'ca',
        '-batch',
        '-config',
        config,
        '-in',
        `${base}.csr`,
        '-out',
        `${base}.crt`,
        '-notext',
      ]);
      if (chainPem !== '') {
        await writeFile(`${base}.crt`, (await readFile(`${base}.crt`, 'utf8')) + chainPem);
      }
      return {
        certPem: await readFile(`${base}.crt`, 'utf8'),
        keyPem: await readFile(`${base}.key`, 'utf8'),
        certFile: `${base}.crt`,
        keyFile: `${base}.key`,
      };
    },
    revoke: async (certificate) => {
      await run('openssl', ['ca', '-batch', '-config', config, '-revoke', certificate.certFile]);
    },
    crl: async () => {
      const out = join(dir, 'ca.crl');
      await run('openssl', ['ca', '-batch', '-config', config, '-gencrl', '-out', out]);
      return readFile(out, 'utf8');
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
