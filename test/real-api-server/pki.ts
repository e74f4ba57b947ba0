import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestCa } from '../helpers/tls-certificates.ts';

/** The files kube-apiserver is started with, and what clients need to trust and reach it. */
export interface ApiServerPki {
  /** The CA that issued the serving certificate (clients trust it). */
  readonly caPem: string;
  readonly servingCertFile: string;
  readonly servingKeyFile: string;
  /** The key pair that signs and verifies ServiceAccount tokens. */
  readonly serviceAccountKeyFile: string;
  readonly serviceAccountPublicKeyFile: string;
  /** The static token file: one admin (group system:masters). */
  readonly tokenFile: string;
  readonly adminToken: string;
}

/** The user name of the static admin token. */
export const ADMIN_USER = 'pointsman-test-admin';

/**
 * Writes into `dir` a serving certificate for 127.0.0.1 and localhost (from a throw-away CA),
 * a ServiceAccount signing key and a token file with one random admin token.
 */
export async function writeApiServerPki(dir: string): Promise<ApiServerPki> {
  const ca = await createTestCa();
  try {
    const serving = await ca.issue({ dns: ['localhost'], ips: ['127.0.0.1'] });
    const servingCertFile = join(dir, 'apiserver.crt');
    const servingKeyFile = join(dir, 'apiserver.key');
    await writeFile(servingCertFile, serving.certPem);
    await writeFile(servingKeyFile, serving.keyPem, { mode: 0o600 });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const serviceAccountKeyFile = join(dir, 'sa.key');
    const serviceAccountPublicKeyFile = join(dir, 'sa.pub');
    await writeFile(
      serviceAccountKeyFile,
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      { mode: 0o600 },
    );
    await writeFile(
      serviceAccountPublicKeyFile,
      publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    );
    const adminToken = randomBytes(24).toString('hex');
    const tokenFile = join(dir, 'tokens.csv');
    // token,user,uid,"groups": the format of --token-auth-file.
    await writeFile(tokenFile, `${adminToken},${ADMIN_USER},1,"system:masters"\n`, { mode: 0o600 });
    return {
      caPem: ca.caPem,
      servingCertFile,
      servingKeyFile,
      serviceAccountKeyFile,
      serviceAccountPublicKeyFile,
      tokenFile,
      adminToken,
    };
  } finally {
    await ca.close();
  }
}
