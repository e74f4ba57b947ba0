import type { KubeObject, ObjectKind, StoredObject } from '../../objects/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { Clock, ObjectStore } from '../../store/index.ts';
import type { KubeApi } from './kube-api.ts';
import { storedView } from './normalize.ts';
import { Reflector, type ReflectorStats, type ReflectorTiming } from './reflector.ts';
import { RESOURCES } from './resources.ts';
import { configMapReferences } from './configmap-references.ts';
import { SecretReferenceCounts, secretReferences } from './secret-references.ts';

/**
 * The Secrets listed and watched: TLS certificates, and the Opaque Secrets that hold htpasswd
 * files (auth-secret) and CA bundles (auth-tls-secret, proxy-ssl-secret). A field selector takes
 * one type or excludes some, never two, so the types that are never ours and can be large are
 * left out: Helm release records, service-account tokens and registry credentials. Only the
 * Secrets an Ingress of ours names ever reach the store (SecretReferenceCounts).
 */
export const SECRET_SELECTOR =
  'type!=helm.sh/release.v1,type!=kubernetes.io/service-account-token,type!=kubernetes.io/dockerconfigjson';

/** The kinds the source watches, in the order their reflectors start. */
export const WATCHED_KINDS: readonly ObjectKind[] = [
  'IngressClass',
  'Ingress',
  'Service',
  'EndpointSlice',
  'Secret',
  'ConfigMap',
];

/** Options of {@link KubernetesSource}. */
export interface KubernetesSourceOptions extends ReflectorTiming {
  readonly api: KubeApi;
  /** Only `upsert` and `remove` are used. */
  readonly store: Pick<ObjectStore, 'upsert' | 'remove'>;
  /** A child with `component: 'kubernetes'` is taken. */
  readonly logger: Logger;
  /** Namespaces to watch the namespaced kinds in; absent or empty: all namespaces. */
  readonly namespaces?: readonly string[];
  /** The id under which the objects go into the store. Default `'kubernetes'`. */
  readonly sourceId?: string;
  readonly clock?: Clock;
  /** Secrets needed although no Ingress names them (the default certificate). */
  readonly extraSecrets?: readonly { readonly namespace: string; readonly name: string }[];
  /** Told of every failure after which a kind is listed or watched again (for metrics). */
  readonly onWatchRestart?: (kind: string) => void;
  /**
   * Builds, from the current IngressClasses, the test of whether an Ingress is ours: only the
   * TLS Secrets that our Ingresses name reach the store, never those of other classes. Default:
   * every Ingress counts.
   */
  readonly ownership?: OwnershipTest;
}

/** See {@link KubernetesSourceOptions.ownership}. */
export type OwnershipTest = (
  classes: readonly StoredObject[],
) => (ingress: StoredObject) => boolean;

/**
 * The Kubernetes source: one {@link Reflector} per kind (and per namespace with
 * `namespaces`), all feeding one cache and, through it, the store under one source id.
 * The store gets each object without its resourceVersion (so a write that changes nothing
 * read does not rebuild) and, of the TLS Secrets and the ConfigMaps (custom-headers), only
 * those some Ingress names: the others stay in the cache. The cache keeps the full objects for
 * the status writer ({@link get}).
 */
export class KubernetesSource {
  readonly #options: KubernetesSourceOptions;
  readonly #logger: Logger;
  readonly #sourceId: string;
  readonly #reflectors: Reflector[] = [];
  readonly #cache = new Map<ObjectKind, Map<string, KubeObject>>();
  readonly #sequences = new Map<string, number>();
  readonly #references = new SecretReferenceCounts();
  /** ConfigMaps are counted like Secrets: only those an Ingress of ours names reach the store. */
  readonly #configMapReferences = new SecretReferenceCounts();
  readonly #extraSecrets: ReadonlySet<string>;
  /** Recomputed on every IngressClass change; with no class at all, from none. */
  #isOurs: (ingress: StoredObject) => boolean;
  #nextSequence = 1;
  #started = false;

  constructor(options: KubernetesSourceOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'kubernetes' });
    this.#sourceId = options.sourceId ?? 'kubernetes';
    this.#isOurs = options.ownership?.([]) ?? (() => true);
    this.#extraSecrets = new Set(
      (options.extraSecrets ?? []).map(({ namespace, name }) => `${namespace}/${name}`),
    );
    for (const kind of WATCHED_KINDS) this.#cache.set(kind, new Map());
    const namespaces = options.namespaces?.length ? options.namespaces : [null];
    for (const kind of WATCHED_KINDS) {
      const scopes = RESOURCES[kind].namespaced ? namespaces : [null];
      for (const namespace of scopes) this.#reflectors.push(this.#reflector(kind, namespace));
    }
  }

  /** Resolves once every kind has been listed once and is in the store (never rejects). */
  get synced(): Promise<void> {
    return Promise.all(this.#reflectors.map((reflector) => reflector.synced)).then(() => {
      return;
    });
  }

  /** Whether every kind has been listed once. */
  get hasSynced(): boolean {
    return this.#reflectors.every((reflector) => reflector.hasSynced);
  }

  /** Starts every list-and-watch loop; see {@link synced} for when the store is complete. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#logger.info(
      { server: this.#options.api.server, namespaces: this.#options.namespaces ?? [] },
      'watching the Kubernetes API',
    );
    for (const reflector of this.#reflectors) reflector.start();
    void this.synced.then(() => {
      this.#logger.info({ objects: this.#counts() }, 'initial lists done');
    });
  }

  /** The newest full object seen (status and resourceVersion included), or undefined. */
  get(kind: ObjectKind, namespace: string, name: string): KubeObject | undefined {
    return this.#cache.get(kind)?.get(`${namespace}/${name}`);
  }

  /** Every cached object of a kind (all listed Secrets, also those kept out of the store). */
  list(kind: ObjectKind): KubeObject[] {
    return [...(this.#cache.get(kind)?.values() ?? [])];
  }

  /** One entry per list-and-watch loop. */
  stats(): ReflectorStats[] {
    return this.#reflectors.map((reflector) => reflector.stats());
  }

  /** Stops every loop; resolves once all requests have ended. The store keeps the objects. */
  async close(): Promise<void> {
    await Promise.all(this.#reflectors.map((reflector) => reflector.stop()));
  }

  #reflector(kind: ObjectKind, namespace: string | null): Reflector {
    const { api, clock } = this.#options;
    return new Reflector({
      ...this.#options,
      api,
      resource: RESOURCES[kind],
      namespace,
      logger: this.#logger,
      ...(kind === 'Secret' ? { selectors: { fieldSelector: SECRET_SELECTOR } } : {}),
      ...(clock ? { clock } : {}),
      ...(this.#options.onWatchRestart ? { onRestart: this.#options.onWatchRestart } : {}),
      handler: {
        replace: (objects) => {
          this.#replace(kind, namespace, objects);
        },
        apply: (type, object) => {
          if (type === 'DELETED') this.#delete(kind, keyOf(object));
          else this.#put(kind, object);
        },
      },
    });
  }

  #replace(kind: ObjectKind, namespace: string | null, objects: readonly KubeObject[]): void {
    const cached = this.#cache.get(kind) ?? new Map<string, KubeObject>();
    const listed = new Set(objects.map(keyOf));
    for (const [key, object] of cached) {
      const inScope = namespace === null || object.metadata.namespace === namespace;
      if (inScope && !listed.has(key)) this.#delete(kind, key);
    }
    for (const object of objects) this.#put(kind, object);
  }

  #put(kind: ObjectKind, object: KubeObject): void {
    const key = keyOf(object);
    const cached = this.#cache.get(kind);
    const previous = cached?.get(key);
    cached?.set(key, object);
    if (kind === 'Secret') this.#syncSecret(key);
    else if (kind === 'ConfigMap') this.#syncConfigMap(key);
    else this.#options.store.upsert(this.#sourceId, this.#stored(kind, key, object));
    if (kind === 'Ingress' && previous !== object) this.#ingressChanged(key);
    if (kind === 'IngressClass') this.#classesChanged();
  }

  #delete(kind: ObjectKind, key: string): void {
    const cached = this.#cache.get(kind);
    const previous = cached?.get(key);
    if (previous === undefined) return;
    cached?.delete(key);
    if (kind === 'Secret') this.#syncSecret(key);
    else if (kind === 'ConfigMap') this.#syncConfigMap(key);
    else this.#remove(kind, key);
    if (kind === 'Ingress') this.#ingressChanged(key);
    if (kind === 'IngressClass') this.#classesChanged();
  }

  /** Recounts the Secrets the Ingress `key` names: none when it is gone or not ours. */
  #ingressChanged(key: string): void {
    const ingress = this.#cache.get('Ingress')?.get(key);
    const ours = ingress !== undefined && this.#isOurs(this.#stored('Ingress', key, ingress));
    const names = ours ? secretReferences(ingress) : new Set<string>();
    for (const secret of this.#references.set(key, names)) this.#syncSecret(secret);
    const configMaps = ours ? configMapReferences(ingress) : new Set<string>();
    for (const map of this.#configMapReferences.set(key, configMaps)) this.#syncConfigMap(map);
  }

  /** A class change can make Ingresses ours or not: every one is recounted. */
  #classesChanged(): void {
    const { ownership } = this.#options;
    if (ownership === undefined) return;
    const classes = [...(this.#cache.get('IngressClass') ?? new Map<string, KubeObject>())];
    this.#isOurs = ownership(
      classes.map(([key, object]) => this.#stored('IngressClass', key, object)),
    );
    for (const key of this.#cache.get('Ingress')?.keys() ?? []) this.#ingressChanged(key);
  }

  /** Puts a Secret in the store while something needs it, and takes it out otherwise. */
  #syncSecret(key: string): void {
    const secret = this.#cache.get('Secret')?.get(key);
    const needed = this.#references.has(key) || this.#extraSecrets.has(key);
    if (secret !== undefined && needed) {
      this.#options.store.upsert(this.#sourceId, this.#stored('Secret', key, secret));
    } else this.#remove('Secret', key);
  }

  /** Puts a ConfigMap in the store while an Ingress of ours names it, and takes it out otherwise. */
  #syncConfigMap(key: string): void {
    const configMap = this.#cache.get('ConfigMap')?.get(key);
    if (configMap !== undefined && this.#configMapReferences.has(key)) {
      this.#options.store.upsert(this.#sourceId, this.#stored('ConfigMap', key, configMap));
    } else this.#remove('ConfigMap', key);
  }

  #remove(kind: ObjectKind, key: string): void {
    const slash = key.indexOf('/');
    this.#options.store.remove(this.#sourceId, kind, key.slice(0, slash), key.slice(slash + 1));
    this.#sequences.delete(`${kind}/${key}`);
  }

  #stored(kind: ObjectKind, key: string, object: KubeObject): StoredObject {
    // A stable sequence per object: a new one on every write would make equal objects differ.
    const sequenceKey = `${kind}/${key}`;
    let sequence = this.#sequences.get(sequenceKey);
    if (sequence === undefined) {
      sequence = this.#nextSequence++;
      this.#sequences.set(sequenceKey, sequence);
    }
    return {
      kind,
      namespace: object.metadata.namespace ?? '',
      name: object.metadata.name,
      object: storedView(object),
      origin: { source: 'kubernetes' },
      sequence,
    };
  }

  #counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [kind, objects] of this.#cache) counts[kind] = objects.size;
    return counts;
  }
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
