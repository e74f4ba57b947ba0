import type {
  AccessMaterials,
  ClientCaMaterial,
  CredentialsMaterial,
  ObjectResult,
  Problem,
} from '../../ir/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../options.ts';

/**
 * What an annotation reader may look at beyond the annotations: the Ingress's namespace, the
 * translation's options (flags such as `--global-auth-url`), the snapshot's Secrets and Services,
 * and a collector for the secret material its policies name. All of it comes from the snapshot,
 * so readers stay pure.
 */
export interface ReaderContext {
  /** The namespace of the Ingress being read. */
  readonly namespace: string;
  readonly options: TranslateOptions;
  /** A Secret of the snapshot, by namespace and name. */
  secret(namespace: string, name: string): StoredObject | undefined;
  /** A Service of the snapshot, by namespace and name. */
  service(namespace: string, name: string): StoredObject | undefined;
  /**
   * A ConfigMap of the snapshot, by namespace and name; looking it up marks it used by an
   * accepted Ingress. Absent: the context has no ConfigMaps (every lookup finds none).
   */
  configMap?(namespace: string, name: string): StoredObject | undefined;
  /** Where readers leave the material their policies name and what they made of each Secret. */
  readonly access: AccessMaterialsCollector;
}

/** What became of a Secret that an access policy names: its result in the translation. */
export interface SecretOutcome {
  readonly state: ObjectResult['state'];
  readonly problems: readonly Problem[];
}

/**
 * Collects the access material (credentials, client CA bundles) the routes of one translation
 * use, by version, and the outcome of each Secret read for it (`namespace/name`): a Secret read
 * by several Ingresses keeps the first outcome that rejects it, else the first.
 */
export class AccessMaterialsCollector {
  readonly #credentials = new Map<string, CredentialsMaterial>();
  readonly #clientCas = new Map<string, ClientCaMaterial>();
  readonly #outcomes = new Map<string, SecretOutcome>();

  addCredentials(version: string, material: CredentialsMaterial): void {
    this.#credentials.set(version, material);
  }

  addClientCa(version: string, material: ClientCaMaterial): void {
    this.#clientCas.set(version, material);
  }

  /** Records what a reader made of the Secret `namespace/name`. */
  noteSecret(key: string, outcome: SecretOutcome): void {
    const known = this.#outcomes.get(key);
    if (known === undefined || (known.state === 'Accepted' && outcome.state !== 'Accepted')) {
      this.#outcomes.set(key, outcome);
    }
  }

  materials(): AccessMaterials {
    return { credentials: new Map(this.#credentials), clientCas: new Map(this.#clientCas) };
  }

  /** The outcome of each Secret read, by `namespace/name`. */
  outcomes(): ReadonlyMap<string, SecretOutcome> {
    return this.#outcomes;
  }
}

/** A context with no objects, for reading annotations on their own (tests, `migrate`). */
export function emptyReaderContext(
  namespace = 'default',
  options: TranslateOptions = DEFAULT_TRANSLATE_OPTIONS,
): ReaderContext {
  return {
    namespace,
    options,
    secret: () => undefined,
    service: () => undefined,
    access: new AccessMaterialsCollector(),
  };
}

/** A context over a snapshot's Secrets and Services (indexed once per translation). */
export function readerContextOf(
  objects: {
    readonly secrets: ReadonlyMap<string, StoredObject>;
    readonly services: ReadonlyMap<string, StoredObject>;
    /** ConfigMaps by `namespace/name`, and the set a lookup adds its key to. */
    readonly configMaps?: ReadonlyMap<string, StoredObject>;
    readonly usedConfigMaps?: Set<string>;
  },
  options: TranslateOptions,
  access: AccessMaterialsCollector,
): (namespace: string) => ReaderContext {
  const configMap = (ns: string, name: string): StoredObject | undefined => {
    const found = objects.configMaps?.get(`${ns}/${name}`);
    if (found !== undefined) objects.usedConfigMaps?.add(`${ns}/${name}`);
    return found;
  };
  return (namespace) => ({
    namespace,
    options,
    secret: (ns, name) => objects.secrets.get(`${ns}/${name}`),
    service: (ns, name) => objects.services.get(`${ns}/${name}`),
    configMap,
    access,
  });
}
