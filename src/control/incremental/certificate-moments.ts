import type { StoredObject } from '../../objects/index.ts';
import { leafValidity } from '../certificate-start.ts';

/**
 * The moments at which translation of the same objects gives another answer because of the
 * time: a Secret's certificate becomes valid at its notBefore and expires just after its
 * notAfter (translation checks every TLS Secret it reads against the time it is given).
 */
export class CertificateMoments {
  readonly #moments = new WeakMap<StoredObject, readonly number[]>();

  /** Whether a certificate of one of `secrets` started or expired between `from` and `to`. */
  passedBetween(secrets: readonly StoredObject[], from: number, to: number): boolean {
    const [low, high] = from < to ? [from, to] : [to, from];
    for (const secret of secrets) {
      if (this.#momentsOf(secret).some((moment) => low < moment && moment <= high)) return true;
    }
    return false;
  }

  #momentsOf(secret: StoredObject): readonly number[] {
    let moments = this.#moments.get(secret);
    if (moments === undefined) {
      const validity = leafValidity(secret);
      moments = validity === null ? [] : [validity.notBefore, validity.notAfter + 1];
      this.#moments.set(secret, moments);
    }
    return moments;
  }
}
