// A hash worker: checks passwords against slow hashes (bcrypt, MD5-crypt) off the proxy's event
// loop, one at a time, for hash-workers.ts.
import { parentPort } from 'node:worker_threads';
import type { PasswordScheme } from '../../ir/index.ts';
import { passwordMatches } from './password-hash.ts';

/** A check asked of a hash worker. */
export interface HashJob {
  readonly id: number;
  readonly scheme: PasswordScheme;
  readonly hash: string;
  readonly password: Uint8Array;
}

/** A hash worker's answer. */
export interface HashAnswer {
  readonly id: number;
  readonly matches: boolean;
}

parentPort?.on('message', (job: HashJob) => {
  let matches = false;
  try {
    matches = passwordMatches(job.scheme, job.hash, Buffer.from(job.password));
  } catch {
    // A hash that the library refuses matches nothing.
  }
  const answer: HashAnswer = { id: job.id, matches };
  parentPort?.postMessage(answer);
});
