import type { KubeObject } from '../../objects/index.ts';

/**
 * The ConfigMaps an Ingress names in its `custom-headers` annotation, as `namespace/name` keys. Only a ConfigMap of the Ingress's own namespace is ever read (translation refuses
 * the others), so only that one is named here. The annotation is recognised under any prefix
 * (the source does not know `--annotations-prefix`): a ConfigMap named under a prefix that is
 * not read reaches the store and is not used, which costs nothing but its memory.
 */
export function configMapReferences(ingress: KubeObject | undefined): Set<string> {
  const keys = new Set<string>();
  if (ingress === undefined) return keys;
  const annotations = ingress.metadata.annotations;
  if (typeof annotations !== 'object' || annotations === null) return keys;
  const namespace = ingress.metadata.namespace ?? '';
  for (const [key, value] of Object.entries(annotations as Record<string, unknown>)) {
    if (!key.endsWith('/custom-headers') || typeof value !== 'string') continue;
    const reference = value.trim();
    const slash = reference.indexOf('/');
    const [ns, name] =
      slash < 0 ? [namespace, reference] : [reference.slice(0, slash), reference.slice(slash + 1)];
    if (ns === namespace && name !== '') keys.add(`${namespace}/${name}`);
  }
  return keys;
}
