import type { KubeObject } from '../../objects/index.ts';

/**
 * The Secrets an Ingress names in `spec.tls[].secretName`, and in a `proxy-ssl-secret`
 * annotation (`namespace/name`, under any prefix, since the source does not know the custom
 * one), as `namespace/name` keys in its own namespace (an Ingress can only use Secrets of its
 * namespace). Read defensively: anything malformed names nothing.
 */
export function secretReferences(ingress: KubeObject | undefined): Set<string> {
  const keys = new Set<string>();
  if (ingress === undefined) return keys;
  const namespace = ingress.metadata.namespace ?? '';
  const annotations: unknown = ingress.metadata.annotations;
  if (typeof annotations === 'object' && annotations !== null) {
    for (const [key, value] of Object.entries(annotations)) {
      if (!key.endsWith('/proxy-ssl-secret') || typeof value !== 'string') continue;
      const [secretNamespace, name, ...rest] = value.trim().split('/');
      if (secretNamespace === namespace && name !== undefined && name !== '' && rest.length === 0) {
        keys.add(`${namespace}/${name}`);
      }
    }
  }
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
 * translator may need: the others never reach the store. Each Ingress's contribution is kept
 * by its key, so that it can be recomputed when what makes an Ingress ours changes.
 */
export class SecretReferenceCounts {
  readonly #counts = new Map<string, number>();
  readonly #byIngress = new Map<string, ReadonlySet<string>>();

  /** Whether any Ingress names the Secret `namespace/name`. */
  has(key: string): boolean {
    return this.#counts.has(key);
  }

  /**
   * Sets the Secrets the Ingress `ingressKey` names (empty: none, as when it is gone or not
   * ours); returns the Secret keys whose referenced state changed.
   */
  set(ingressKey: string, secrets: ReadonlySet<string>): string[] {
    const before = this.#byIngress.get(ingressKey) ?? new Set<string>();
    if (secrets.size === 0) this.#byIngress.delete(ingressKey);
    else this.#byIngress.set(ingressKey, secrets);
    const changed: string[] = [];
    for (const key of before) {
      if (secrets.has(key)) continue;
      const count = (this.#counts.get(key) ?? 1) - 1;
      if (count > 0) this.#counts.set(key, count);
      else {
        this.#counts.delete(key);
        changed.push(key);
      }
    }
    for (const key of secrets) {
      if (before.has(key)) continue;
      const count = (this.#counts.get(key) ?? 0) + 1;
      this.#counts.set(key, count);
      if (count === 1) changed.push(key);
    }
    return changed;
  }
}
