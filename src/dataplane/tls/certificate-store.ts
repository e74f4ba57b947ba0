import { createHash } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import {
  NO_ACCESS_MATERIALS,
  type AccessMaterials,
  type CertificateMaterial,
  type Certificates,
  type ClientCertificatePolicy,
  type RouteTable,
  type TlsHost,
  type TlsSecretRef,
} from '../../ir/index.ts';
import type { Logger } from '../../observability/index.ts';
import { clientCertificatesOf } from './client-certificate-hosts.ts';
import { contextKey, SecureContextCache } from './secure-context-cache.ts';
import { buildSniResolver, type SniResolver } from './sni-resolver.ts';
import type { TlsSettings } from './tls-settings.ts';

/** Options of {@link CertificateStore}. */
export interface CertificateStoreOptions {
  readonly settings: TlsSettings;
  /** Served when no default certificate Secret is configured or usable (a generated one). */
  readonly fallback: CertificateMaterial;
  readonly logger: Logger;
}

/** Called with the new default certificate when it changes. */
export type DefaultCertificateListener = (material: CertificateMaterial) => void;

/**
 * The certificates the HTTPS listener serves, kept in step with the live route table: the
 * table holder calls {@link update} when it swaps a table in, and each handshake asks
 * {@link contextFor}. A new table brings a new SNI resolver in one assignment, so rotation is
 * hitless: new handshakes get the new certificate, open connections keep theirs.
 */
export class CertificateStore {
  readonly #cache: SecureContextCache;
  readonly #logger: Logger;
  readonly #fallbackMaterial: CertificateMaterial;
  readonly #fallbackVersion: string;
  readonly #listeners = new Set<DefaultCertificateListener>();
  #resolver: SniResolver;
  #defaultMaterial: CertificateMaterial;
  #defaultVersion: string;
  #defaultProblem: string | null = null;

  constructor(options: CertificateStoreOptions) {
    this.#cache = new SecureContextCache(options.settings);
    this.#logger = options.logger.child({ component: 'tls' });
    this.#fallbackMaterial = options.fallback;
    this.#fallbackVersion = `generated:${digest(options.fallback)}`;
    const fallback = this.#cache.get(this.#fallbackVersion, options.fallback);
    this.#resolver = buildSniResolver(new Map(), fallback);
    this.#defaultMaterial = options.fallback;
    this.#defaultVersion = this.#fallbackVersion;
  }

  /** The context for a handshake's server name; never throws. */
  contextFor(servername: string): SecureContext {
    return this.#resolver.resolve(servername);
  }

  /** The certificate served to handshakes without SNI (the listener's own). */
  get defaultMaterial(): CertificateMaterial {
    return this.#defaultMaterial;
  }

  /** Secure contexts held (one per distinct certificate in use). */
  get contexts(): number {
    return this.#cache.size;
  }

  /** Calls `listener` whenever the default certificate changes; returns the unsubscribe. */
  onDefaultChange(listener: DefaultCertificateListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Installs the certificates of a table going live. A certificate OpenSSL refuses is logged
   * and its hosts get the default certificate; nothing here throws.
   */
  update(
    table: RouteTable,
    certificates: Certificates,
    access: AccessMaterials = NO_ACCESS_MATERIALS,
  ): void {
    const used = new Set<string>([this.#fallbackVersion]);
    let { version, material } = this.#chooseDefault(table, certificates);
    let fallback = this.#context(version, material, used);
    if (fallback === null) {
      version = this.#fallbackVersion;
      material = this.#fallbackMaterial;
      fallback = this.#cache.get(version, material);
    }
    const byHost = new Map<string, SecureContext>();
    for (const host of table.tls) {
      // An exact name without rules of its own that a wildcard rule host serves asks for (and
      // verifies against) that host's rules, as the handshake and the gate do.
      const rules =
        host.clientCertificates ??
        (host.kind === 'exact' ? clientCertificatesOf(table, host.host) : undefined);
      if (rules !== undefined && rules.verify !== 'off') {
        const context = this.#clientCertificateContext(host, rules, certificates, access, used, {
          version,
          material,
        });
        if (context !== null) byHost.set(host.host, context);
        continue;
      }
      if (host.secret === null) continue;
      const context = this.#secretContext(host.secret, certificates, used);
      if (context !== null) byHost.set(host.host, context);
    }
    this.#resolver = buildSniResolver(byHost, fallback);
    this.#cache.retain(used);
    if (version !== this.#defaultVersion) {
      this.#defaultVersion = version;
      this.#defaultMaterial = material;
      for (const listener of [...this.#listeners]) this.#tell(listener, material);
    }
  }

  #tell(listener: DefaultCertificateListener, material: CertificateMaterial): void {
    try {
      listener(material);
    } catch (error) {
      this.#logger.error({ err: error }, 'cannot install the new default certificate');
    }
  }

  #chooseDefault(
    table: RouteTable,
    certificates: Certificates,
  ): { version: string; material: CertificateMaterial } {
    const configured = table.defaultCertificate;
    const secret = configured?.secret ?? null;
    const problem = configured?.problem ?? null;
    if (problem !== null && problem.message !== this.#defaultProblem) {
      this.#logger.warn(
        { code: problem.code, problem: problem.message },
        'the default certificate Secret is not usable; serving the generated one',
      );
    }
    this.#defaultProblem = problem?.message ?? null;
    const material = secret === null ? undefined : certificates.get(secret.version);
    if (secret === null || material === undefined) {
      return { version: this.#fallbackVersion, material: this.#fallbackMaterial };
    }
    return { version: secret.version, material };
  }

  /**
   * The context of a host that asks for client certificates: its certificate (or the default
   * one) with the CA bundle of its auth-tls-secret. When it cannot be built the host keeps no
   * context of its own; the client-certificate gate refuses its requests (no CA material, no
   * verified certificate), so nothing is served unchecked.
   */
  #clientCertificateContext(
    host: TlsHost,
    policy: ClientCertificatePolicy,
    certificates: Certificates,
    access: AccessMaterials,
    used: Set<string>,
    fallback: { version: string; material: CertificateMaterial },
  ): SecureContext | null {
    const own = host.secret === null ? undefined : certificates.get(host.secret.version);
    const version =
      own === undefined || host.secret === null ? fallback.version : host.secret.version;
    const material = own ?? fallback.material;
    const clientCa = {
      version: policy.secret.version,
      material: access.clientCas.get(policy.secret.version),
    };
    try {
      const context = this.#cache.get(version, material, clientCa);
      used.add(contextKey(version, clientCa.version));
      return context;
    } catch (error) {
      this.#logger.error(
        {
          err: error,
          host: host.host,
          secret: `${policy.secret.namespace}/${policy.secret.name}`,
        },
        'cannot ask for client certificates; the requests of the host are refused',
      );
      return null;
    }
  }

  #secretContext(
    secret: TlsSecretRef,
    certificates: Certificates,
    used: Set<string>,
  ): SecureContext | null {
    return this.#context(secret.version, certificates.get(secret.version), used, secret);
  }

  #context(
    version: string,
    material: CertificateMaterial | undefined,
    used: Set<string>,
    secret?: TlsSecretRef,
  ): SecureContext | null {
    try {
      const context = this.#cache.get(version, material);
      used.add(version);
      return context;
    } catch (error) {
      this.#logger.error(
        { err: error, secret: secret && `${secret.namespace}/${secret.name}`, version },
        'cannot use a certificate; its hosts get the default certificate',
      );
      return null;
    }
  }
}

function digest(material: CertificateMaterial): string {
  return createHash('sha256')
    .update(material.certPem)
    .update('\0')
    .update(material.keyPem)
    .digest('hex');
}
