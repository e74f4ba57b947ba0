import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key and a self-signed certificate for 127.0.0.1 and localhost, both PEM. */
export interface SelfSigned {
  readonly key: string;
  readonly certificate: string;
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 20_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${error.message} ${stderr}`));
      else resolve();
    });
  });
}

/**
 * Makes a fresh P-256 key and a one-day self-signed certificate (its own CA) with the `openssl`
 * CLI in a temporary directory, reads both and removes the directory.
 */
export async function makeSelfSigned(): Promise<SelfSigned> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-api-server-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certificateFile = join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certificateFile,
      '-days',
      '1',
      '-subj',
      '/CN=fake-api-server',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    return {
      key: await readFile(keyFile, 'utf8'),
      certificate: await readFile(certificateFile, 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
