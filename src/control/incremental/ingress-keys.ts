import { wildcardSuffix } from '../../ir/index.ts';
import type { KubeObject, StoredObject } from '../../objects/index.ts';

/** The key shared by every Ingress with a `spec.defaultBackend`: one default route per table. */
export const DEFAULT_BACKEND_KEY = 'default-backend';

/**
 * What ties an Ingress to others in translation, read defensively from any object (a malformed
 * one included). Two Ingresses that share a key are translated together; see host-groups.ts.
 */
export interface IngressKeys {
  /**
   * Keys of the hosts it names: rule hosts, TLS hosts and server aliases (`host:` + the name
   * without its leading `www.` labels, since from-to-www-redirect ties a name to its www twin;
   * `host:` alone for host-less rules), and {@link DEFAULT_BACKEND_KEY}.
   */
  readonly hosts: readonly string[];
  /**
   * `under:` + the parent domain of each exact host: a wildcard host `*.parent` (whose TLS
   * certificate and client-certificate settings serve those hosts too) ties them to it.
   */
  readonly under: readonly string[];
  /** `host:*.parent` keys of the exact hosts' possible wildcards, to look up (not to index). */
  readonly wildcards: readonly string[];
  /**
   * `namespace/name` of every object it may read: backend Services, TLS Secrets, and any name
   * or `namespace/name` an annotation value holds (Secrets, ConfigMaps, Services). A superset:
   * a name that is not an object costs nothing.
   */
  readonly references: readonly string[];
}

/** The keys of an Ingress, from its rules, TLS entries, default backend and annotations. */
export function ingressKeysOf(ingress: StoredObject): IngressKeys {
  const hosts = new Set<string>();
  const under = new Set<string>();
  const wildcards = new Set<string>();
  const references = new Set<string>();
  const namespace = ingress.namespace;
  const addHost = (raw: string): void => {
    const host = raw.trim().toLowerCase().replace(/\.$/, '');
    // Every leading www: a name's twin is one www more or less, and twins of twins chain.
    hosts.add(`host:${host.replace(/^(?:www\.)+/, '')}`);
    if (host === '' || host.startsWith('*.')) return;
    // A wildcard of the host's parent, and one of the host itself for its www twin.
    for (const parent of [wildcardSuffix(host), host]) {
      if (parent === null) continue;
      under.add(`under:${parent}`);
      wildcards.add(`host:*.${parent}`);
    }
  };
  const spec = record(ingress.object['spec']);
  if (spec['defaultBackend'] !== undefined) hosts.add(DEFAULT_BACKEND_KEY);
  addServiceReference(record(spec['defaultBackend']), namespace, references);
  for (const rule of list(spec['rules'])) {
    const fields = record(rule);
    addHost(typeof fields['host'] === 'string' ? fields['host'] : '');
    for (const path of list(record(fields['http'])['paths'])) {
      addServiceReference(record(record(path)['backend']), namespace, references);
    }
  }
  for (const entry of list(spec['tls'])) {
    const fields = record(entry);
    for (const host of list(fields['hosts'])) if (typeof host === 'string') addHost(host);
    if (typeof fields['secretName'] === 'string') {
      references.add(`${namespace}/${fields['secretName']}`);
    }
  }
  for (const [key, value] of Object.entries(annotationsOf(ingress.object))) {
    if (key.endsWith('/server-alias')) {
      for (const alias of value.split(/[\s,]+/)) if (alias !== '') addHost(alias);
    }
    for (const name of value.match(OBJECT_NAME) ?? []) {
      references.add(name.includes('/') ? name : `${namespace}/${name}`);
    }
  }
  return {
    hosts: [...hosts],
    under: [...under],
    wildcards: [...wildcards],
    references: [...references],
  };
}

/** A Kubernetes object name, alone or after its namespace, as annotation values hold them. */
const OBJECT_NAME = /[a-z0-9][a-z0-9.-]*(?:\/[a-z0-9][a-z0-9.-]*)?/g;

function addServiceReference(
  backend: Record<string, unknown>,
  namespace: string,
  references: Set<string>,
): void {
  const name = record(backend['service'])['name'];
  if (typeof name === 'string') references.add(`${namespace}/${name}`);
}

function annotationsOf(object: KubeObject): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(record(object.metadata.annotations))) {
    if (typeof value === 'string') strings[key] = value;
  }
  return strings;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
