import type { KubeObject } from '../../objects/index.ts';

/**
 * The annotations that name a Secret, by name after the prefix (under any prefix, since the
 * source does not know the custom one): whether a bare `name` means the Ingress's namespace
 * (auth-secret) or only `namespace/name` is read, and whether another namespace can ever be
 * used. For the auth Secrets that is the translator's call (`--allow-cross-namespace-resources`):
 * the source brings them in either way, so that the translator can say why one is refused.
 */
const SECRET_ANNOTATIONS: ReadonlyMap<
  string,
  { readonly bareName: boolean; readonly otherNamespace: boolean }
> = new Map([
  ['proxy-ssl-secret', { bareName: false, otherNamespace: false }],
  ['auth-tls-secret', { bareName: false, otherNamespace: true }],
  ['auth-secret', { bareName: true, otherNamespace: true }],
]);

/**
 * The Secrets an Ingress names in `spec.tls[].secretName` (in its namespace) and in the
 * annotations above, as `namespace/name` keys. Read defensively: anything malformed names
 * nothing.
 */
export function secretReferences(ingress: KubeObject | undefined): Set<string> {
  const keys = new Set<string>();
  if (ingress === undefined) return keys;
  const namespace = ingress.metadata.namespace ?? '';
  const annotations: unknown = ingress.metadata.annotations;
  if (typeof annotations === 'object' && annotations !== null) {
    for (const [key, value] of Object.entries(annotations)) {
      const reference = SECRET_ANNOTATIONS.get(key.slice(key.lastIndexOf('/') + 1));
      if (reference === undefined || typeof value !== 'string') continue;
      const named = secretKeyOf(value, namespace, reference.bareName);
      if (named === null) continue;
      if (reference.otherNamespace || named.startsWith(`${namespace}/`)) keys.add(named);
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

/** `namespace/name` (an empty namespace: the Ingress's), or a bare name where allowed. */
function secretKeyOf(value: string, namespace: string, bareName: boolean): string | null {
  const parts = value.trim().split('/');
  if (parts.length === 1 && bareName && parts[0] !== '') return `${namespace}/${parts[0]}`;
  if (parts.length !== 2 || parts[1] === undefined || parts[1] === '') return null;
  return `${parts[0] === '' ? namespace : parts[0]}/${parts[1]}`;
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
