import {
  DEFAULT_CIPHERS,
  hstsValue,
  validateTlsSettings,
  type TlsMinVersion,
} from '../dataplane/index.ts';
import type { SecretRef } from '../translate/index.ts';
import { parseInteger } from './duration.ts';
import type { HttpsConfig } from './https-runtime.ts';
import { UsageError } from './io.ts';

/** The HTTPS flags of `serve` and `demo`. */
export const TLS_FLAGS = {
  'https-port': { type: 'string' },
  'https-redirect-port': { type: 'string' },
  'default-ssl-certificate': { type: 'string' },
  'ssl-min-version': { type: 'string' },
  'ssl-ciphers': { type: 'string' },
  hsts: { type: 'string' },
  'hsts-max-age': { type: 'string' },
  'hsts-include-subdomains': { type: 'boolean' },
  'hsts-preload': { type: 'boolean' },
  'enable-ssl-passthrough': { type: 'boolean' },
} as const;

/** The default `--hsts-max-age`: one year, in seconds. */
export const DEFAULT_HSTS_MAX_AGE = 31_536_000;

/** Help lines of {@link TLS_FLAGS}. */
export const TLS_FLAGS_HELP = `      --https-port PORT           HTTPS listener port (default: 8443; 0 picks a free one)
      --https-redirect-port PORT  port named in redirects from HTTP to HTTPS, for when a load
                                  balancer maps another port to the listener (default: the
                                  HTTPS listener's; 443 is left out of the URL)
      --default-ssl-certificate NAMESPACE/NAME
                                  kubernetes.io/tls Secret served without SNI, for unknown names
                                  and for hosts without a usable certificate (default: a
                                  self-signed certificate made at start)
      --ssl-min-version V         TLSv1.2 or TLSv1.3 (default: TLSv1.2)
      --ssl-ciphers LIST          OpenSSL cipher list, TLS 1.3 and 1.2 suites (default: AES-GCM
                                  and ChaCha20-Poly1305 with ECDHE only)
      --hsts on|off               Strict-Transport-Security on HTTPS responses (default: on)
      --hsts-max-age SECONDS      its max-age (default: ${String(DEFAULT_HSTS_MAX_AGE)}, one year)
      --hsts-include-subdomains   add includeSubDomains
      --hsts-preload              add preload
      --enable-ssl-passthrough    honour the ssl-passthrough annotation: TLS connections whose
                                  SNI names such a host go undecrypted to its backend
                                  (default: off; the annotation is then reported, and TLS
                                  ends here)`;

type TlsValues = {
  readonly [K in keyof typeof TLS_FLAGS]?: (typeof TLS_FLAGS)[K]['type'] extends 'boolean'
    ? boolean | undefined
    : string | undefined;
};

/** What the HTTPS flags give: the listener's settings and the default certificate Secret. */
export interface TlsFlagSettings {
  readonly https: HttpsConfig;
  readonly defaultCertificate: SecretRef | null;
  /** `--enable-ssl-passthrough`, a translate option. */
  readonly sslPassthrough: boolean;
}

/** Reads the HTTPS flags; usage errors for bad values. */
export function tlsSettingsFrom(
  values: TlsValues,
  defaults: { readonly httpsPort: number },
): TlsFlagSettings {
  const portFlag = values['https-port'];
  const redirectFlag = values['https-redirect-port'];
  const tls = {
    minVersion: minVersion(values['ssl-min-version']),
    ciphers: values['ssl-ciphers'] ?? DEFAULT_CIPHERS,
  };
  const problems = validateTlsSettings(tls);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  const https: HttpsConfig = {
    port:
      portFlag === undefined ? defaults.httpsPort : parseInteger('https-port', portFlag, 0, 65535),
    redirectPort:
      redirectFlag === undefined
        ? null
        : parseInteger('https-redirect-port', redirectFlag, 1, 65535),
    tls,
    hsts: hsts(values),
  };
  return {
    https,
    defaultCertificate: secretRef(values['default-ssl-certificate']),
    sslPassthrough: values['enable-ssl-passthrough'] ?? false,
  };
}

function minVersion(value: string | undefined): TlsMinVersion {
  if (value === undefined || value === 'TLSv1.2' || value === 'TLSv1.3') return value ?? 'TLSv1.2';
  throw new UsageError(
    `--ssl-min-version must be TLSv1.2 or TLSv1.3, not ${JSON.stringify(value)}`,
  );
}

function hsts(values: TlsValues): string {
  const mode = values.hsts ?? 'on';
  if (mode !== 'on' && mode !== 'off') {
    throw new UsageError(`--hsts must be on or off, not ${JSON.stringify(mode)}`);
  }
  if (mode === 'off') return '';
  const maxAgeFlag = values['hsts-max-age'];
  const maxAge =
    maxAgeFlag === undefined
      ? DEFAULT_HSTS_MAX_AGE
      : parseInteger('hsts-max-age', maxAgeFlag, 0, 2 ** 31 - 1);
  return hstsValue({
    maxAge,
    includeSubDomains: values['hsts-include-subdomains'] ?? false,
    preload: values['hsts-preload'] ?? false,
  });
}

function secretRef(value: string | undefined): SecretRef | null {
  if (value === undefined) return null;
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(value);
  const namespace = match?.[1];
  const name = match?.[3];
  if (namespace === undefined || name === undefined) {
    throw new UsageError(
      `--default-ssl-certificate must be NAMESPACE/NAME of a Secret, not ${JSON.stringify(value)}`,
    );
  }
  return { namespace, name };
}
