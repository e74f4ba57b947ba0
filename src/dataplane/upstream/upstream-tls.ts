import { createHash } from 'node:crypto';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { BackendTls, UpstreamTlsMaterial, UpstreamTlsMaterials } from '../../ir/index.ts';

/** The `tls.connect` options that proxy-ssl settings give. */
export type UpstreamTlsOptions = Pick<
  ConnectionOptions,
  | 'rejectUnauthorized'
  | 'ca'
  | 'checkServerIdentity'
  | 'cert'
  | 'key'
  | 'ciphers'
  | 'minVersion'
  | 'maxVersion'
>;

/** The TLS options of connections to a backend with proxy-ssl settings. */
export interface UpstreamTls {
  /** A short hash of the settings (the Secret's version included): part of the pool key. */
  readonly key: string;
  /** Passed to `tls.connect`; without the Secret's material, verification fails closed. */
  readonly options: UpstreamTlsOptions;
  /** The name sent in SNI instead of the Service's, when proxy-ssl-server-name asks for it. */
  readonly servername?: string;
}

interface Cached {
  readonly material: UpstreamTlsMaterial | undefined;
  readonly tls: UpstreamTls;
}

// Settings objects are frozen IR, shared by every request of a table: their options are built once.
const built = new WeakMap<BackendTls, Cached>();

/**
 * The TLS options for a backend's proxy-ssl settings: its `ca.crt` and the name to verify
 * (`proxy-ssl-name`, else `defaultName`), the depth of the chain (`proxy-ssl-verify-depth`), the
 * client certificate, ciphers and TLS versions. Without `proxy-ssl-verify: on` the upstream's
 * certificate is not checked, as before.
 */
export function upstreamTlsOf(
  settings: BackendTls,
  defaultName: string,
  materials: UpstreamTlsMaterials | undefined,
): UpstreamTls {
  const material = materials?.get(settings.secret.version);
  const known = built.get(settings);
  if (known !== undefined && known.material === material) return known.tls;
  const tls = build(settings, defaultName, material);
  built.set(settings, { material, tls });
  return tls;
}

function build(
  settings: BackendTls,
  defaultName: string,
  material: UpstreamTlsMaterial | undefined,
): UpstreamTls {
  const key = createHash('sha256')
    .update(JSON.stringify([settings, defaultName]))
    .digest('hex')
    .slice(0, 16);
  const name = settings.name ?? defaultName;
  const options: UpstreamTlsOptions = {
    rejectUnauthorized: settings.verify,
    ...(settings.verify
      ? {
          // An absent ca.crt (the table's material missing) trusts nothing, rather than the
          // system's roots: verification then fails closed.
          ca: material?.caPem ?? [],
          checkServerIdentity: (_host: string, certificate: PeerCertificate) =>
            checkServerIdentity(name, certificate) ?? depthError(certificate, settings.verifyDepth),
        }
      : {}),
    ...(material?.certPem !== undefined && material.keyPem !== undefined
      ? { cert: material.certPem, key: material.keyPem }
      : {}),
    ...(settings.ciphers === undefined ? {} : { ciphers: settings.ciphers }),
    ...(settings.minVersion === undefined ? {} : { minVersion: settings.minVersion }),
    ...(settings.maxVersion === undefined ? {} : { maxVersion: settings.maxVersion }),
  };
  return settings.sendName === true ? { key, options, servername: name } : { key, options };
}

/**
 * nginx's proxy_ssl_verify_depth: at most `depth` certificates above the upstream's own, the
 * trusted root included (1: the upstream's certificate is issued by a CA of ca.crt itself).
 * The peer certificate Node hands over links each certificate to its issuer, up to the root.
 */
type Linked = PeerCertificate & { readonly issuerCertificate?: Linked };

function depthError(certificate: PeerCertificate, depth: number): Error | undefined {
  let above = 0;
  let current: Linked = certificate;
  while (
    current.issuerCertificate !== undefined &&
    current.issuerCertificate.fingerprint256 !== current.fingerprint256 &&
    above <= depth
  ) {
    above++;
    current = current.issuerCertificate;
  }
  if (above <= depth) return undefined;
  const message = `the upstream's certificate chain is longer than proxy-ssl-verify-depth ${String(depth)}`;
  // OpenSSL's name for it, so that it is classified as a TLS failure like OpenSSL's own.
  return Object.assign(new Error(message), { code: 'CERT_CHAIN_TOO_LONG' });
}
