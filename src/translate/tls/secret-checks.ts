import type { Problem, TlsProblem, TlsSecretRef } from '../../ir/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import { loadCertificate, type LoadedCertificate } from './load-certificate.ts';
import { readTlsSecret } from './secret-material.ts';
import { validityProblem } from './validity.ts';

/** A TLS Secret that passed every check, or why it cannot be used. */
export type CheckedSecret =
  | {
      readonly ok: true;
      readonly ref: TlsSecretRef;
      readonly certificate: LoadedCertificate;
    }
  | { readonly ok: false; readonly problem: TlsProblem };

/** What translation reports for a Secret that was checked. */
export interface SecretOutcome {
  readonly state: 'Accepted' | 'Rejected';
  readonly problems: readonly Problem[];
}

/**
 * Checks each TLS Secret once per translation, however many hosts and Ingresses name it, and
 * collects the result each checked Secret gets. A Secret that is never checked is not used.
 */
export class SecretChecks {
  readonly #secrets: ReadonlyMap<string, StoredObject>;
  readonly #now: number | undefined;
  readonly #checked = new Map<string, CheckedSecret>();
  readonly #notes = new Map<string, Map<string, Problem>>();

  constructor(secrets: readonly StoredObject[], now: number | undefined) {
    this.#secrets = new Map(secrets.map((secret) => [keyOf(secret), secret]));
    this.#now = now;
  }

  /** The Secret `namespace/name`, checked: it exists, parses, matches its key, is in date. */
  check(namespace: string, name: string): CheckedSecret {
    const key = `${namespace}/${name}`;
    let checked = this.#checked.get(key);
    if (checked === undefined) {
      checked = this.#run(key);
      this.#checked.set(key, checked);
    }
    return checked;
  }

  /** Adds a problem to the result of a usable Secret (a host its certificate does not cover). */
  note(namespace: string, name: string, problem: Problem): void {
    const key = `${namespace}/${name}`;
    let notes = this.#notes.get(key);
    if (notes === undefined) {
      notes = new Map();
      this.#notes.set(key, notes);
    }
    notes.set(problem.message, problem);
  }

  /** The result of every Secret that exists and was checked, by `namespace/name`. */
  outcomes(): Map<string, SecretOutcome> {
    const outcomes = new Map<string, SecretOutcome>();
    for (const [key, checked] of this.#checked) {
      if (!this.#secrets.has(key)) continue;
      if (!checked.ok) {
        const problem: Problem = { ...checked.problem, field: fieldOf(checked.problem) };
        outcomes.set(key, { state: 'Rejected', problems: [problem] });
      } else {
        outcomes.set(key, {
          state: 'Accepted',
          problems: [...(this.#notes.get(key)?.values() ?? [])],
        });
      }
    }
    return outcomes;
  }

  #run(key: string): CheckedSecret {
    const secret = this.#secrets.get(key);
    if (secret === undefined) {
      return fail({ code: 'SecretNotFound', message: `Secret ${key} not found` });
    }
    const read = readTlsSecret(secret);
    if (!read.ok) return fail(read.problem);
    const load = loadCertificate(read.material);
    if (!load.ok) return fail(load.problem);
    const expiry = validityProblem(load.certificate, this.#now);
    if (expiry !== null) return fail(expiry);
    const { certificate } = load;
    const ref: TlsSecretRef = {
      namespace: secret.namespace,
      name: secret.name,
      version: certificate.version,
      notAfter: new Date(certificate.notAfter).toISOString(),
    };
    return { ok: true, ref, certificate };
  }
}

function fieldOf(problem: TlsProblem): string {
  const key = problem.code === 'InvalidPrivateKey' || problem.code === 'CertificateKeyMismatch';
  return key ? 'data[tls.key]' : 'data[tls.crt]';
}

function keyOf(object: StoredObject): string {
  return `${object.namespace}/${object.name}`;
}

function fail(problem: TlsProblem): CheckedSecret {
  return { ok: false, problem };
}
