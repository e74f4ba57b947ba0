import type { CredentialEntry, CredentialsMaterial } from '../../ir/index.ts';
import { HashWorkers, type HashWorkersOptions } from './hash-workers.ts';
import { VerifiedCredentials } from './verified-credentials.ts';

/** What basic authentication keeps between requests: the hash workers and verified credentials. */
export class BasicAuthState {
  readonly workers: HashWorkers;
  readonly verified: VerifiedCredentials;
  // The users of each credentials material, indexed once; dropped with the table that holds it.
  readonly #users = new WeakMap<CredentialsMaterial, ReadonlyMap<string, CredentialEntry>>();

  constructor(options?: { readonly workers?: HashWorkersOptions; readonly verified?: number }) {
    this.workers = new HashWorkers(options?.workers);
    this.verified = new VerifiedCredentials(options?.verified);
  }

  /** The entry of `user` in `material` (the first, when written twice). */
  userOf(material: CredentialsMaterial, user: string): CredentialEntry | undefined {
    let users = this.#users.get(material);
    if (users === undefined) {
      const index = new Map<string, CredentialEntry>();
      for (const entry of material.entries)
        if (!index.has(entry.user)) index.set(entry.user, entry);
      this.#users.set(material, index);
      users = index;
    }
    return users.get(user);
  }

  close(): void {
    this.verified.clear();
    void this.workers.close();
  }
}
