import type { KubeObject } from '../../objects/index.ts';

/**
 * The Secrets an Ingress names in `spec.tls[].secretName`, as `namespace/name` keys in its own
 * namespace (an Ingress can only use Secrets of its namespace). Read defensively: anything
 * malformed names nothing.
 */
export function secretReferences(ingress: KubeObject | undefined): Set<string> {
  const keys = new Set<string>();
  if (ingress === undefined) return keys;
  const namespace = ingress.metadata.namespace ?? '';
  const spec = ingress['spec'];
  if (typeof spec !== 'object' || spec === null) return keys;
  const tls = (spec as { tls?: unknown }).tls;
  if (!Array.isArray(tls)) return keys;
  for (const entry of tls as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const name = (entry as { secretName?: unknown }).secretName;
    if (typeof name === 'string' && name !== '') keys.add(`${namespace}/${name}`);
  }
  return keys;
}

/**
 * Counts how many Ingresses name each Secret, so the source knows which TLS Secrets the
 * translator may need: the others never reach the store.
 */
export class SecretReferenceCounts {
  readonly #counts = new Map<string, number>();

  /** Whether any Ingress names the Secret `namespace/name`. */
  has(key: string): boolean {
    return this.#counts.has(key);
  }

  /**
   * Moves one Ingress from its previous version to its next (either may be absent); returns
   * the Secret keys whose referenced state changed.
   */
  update(previous: KubeObject | undefined, next: KubeObject | undefined): string[] {
    const before = secretReferences(previous);
    const after = secretReferences(next);
    const changed: string[] = [];
    for (const key of before) {
      if (after.has(key)) continue;
      const count = (this.#counts.get(key) ?? 1) - 1;
      if (count > 0) this.#counts.set(key, count);
      else {
        this.#counts.delete(key);
        changed.push(key);
      }
    }
    for (const key of after) {
      if (before.has(key)) continue;
      const count = (this.#counts.get(key) ?? 0) + 1;
      this.#counts.set(key, count);
      if (count === 1) changed.push(key);
    }
    return changed;
  }
}
