// Objects as YAML parses them (Loose): a test reads what it checks and fails on what is missing.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseObjects, type Loose } from './helm.ts';

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');

/** Kinds without a namespace: kustomize's `namespace:` leaves them alone. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'IngressClass']);

/**
 * The objects `kubectl apply -k deploy/` applies: the files deploy/kustomization.yaml lists,
 * with its two transformations done here (both are one line of kustomize's documented
 * behaviour, and a real kustomize would need kubectl built first): `namespace:` on every
 * namespaced object, and `images:` on every container whose image has the listed name.
 */
export function deployObjects(): Loose[] {
  const kustomization: Loose = parse(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8'));
  const resources: string[] = kustomization.resources;
  const objects = resources.flatMap((file) =>
    parseObjects(readFileSync(join(DEPLOY, file), 'utf8')),
  );
  for (const object of objects) {
    if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = kustomization.namespace;
    for (const container of object.spec?.template?.spec?.containers ?? []) {
      const image = (kustomization.images as Loose[]).find(
        (entry) => entry.name === container.image,
      );
      if (image !== undefined)
        container.image = `${String(image.newName ?? image.name)}:${String(image.newTag)}`;
    }
  }
  return objects;
}

/** The labels Helm charts add by convention, which deploy/ has no reason to carry. */
export const HELM_LABELS = [
  'helm.sh/chart',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
] as const;

/** What {@link withoutHelmLabels} took out of one label map. */
export interface RemovedLabels {
  /** Where the map was, e.g. `spec.template.metadata.labels`. */
  readonly path: string;
  readonly labels: Record<string, string>;
}

/**
 * A copy of `object` without {@link HELM_LABELS} in any label map (`labels`, `matchLabels`, a
 * Service's `spec.selector`), and what was taken out of each, for the test to check.
 */
export function withoutHelmLabels(object: Loose): { object: Loose; removed: RemovedLabels[] } {
  const removed: RemovedLabels[] = [];
  const walk = (value: Loose, path: string): Loose => {
    if (Array.isArray(value))
      return value.map((item, index) => walk(item, `${path}[${String(index)}]`));
    if (value === null || typeof value !== 'object') return value;
    const copy: Loose = {};
    for (const [key, inner] of Object.entries(value as Record<string, Loose>)) {
      const at = path === '' ? key : `${path}.${key}`;
      const isLabelMap =
        key === 'labels' ||
        key === 'matchLabels' ||
        (object.kind === 'Service' && at === 'spec.selector');
      if (isLabelMap && inner !== null && typeof inner === 'object') {
        const kept: Record<string, string> = {};
        const taken: Record<string, string> = {};
        for (const [name, label] of Object.entries(inner as Record<string, string>)) {
          if ((HELM_LABELS as readonly string[]).includes(name)) taken[name] = label;
          else kept[name] = label;
        }
        if (Object.keys(taken).length > 0) removed.push({ path: at, labels: taken });
        copy[key] = kept;
      } else {
        copy[key] = walk(inner, at);
      }
    }
    return copy;
  };
  return { object: walk(object, ''), removed };
}
