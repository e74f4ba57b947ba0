import type { RoutePolicies } from '../../ir/index.ts';

/**
 * The access rules among an Ingress's route policies: what its `spec.defaultBackend` must apply
 * too, lest the requests it takes skip them. Undefined when there are none.
 */
export function accessPoliciesOf(policies: RoutePolicies | undefined): RoutePolicies | undefined {
  if (policies === undefined) return undefined;
  const { sourceRanges, rateLimit, basicAuth, externalAuth, satisfyAny } = policies;
  const picked: RoutePolicies = {
    ...(sourceRanges === undefined ? {} : { sourceRanges }),
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(basicAuth === undefined ? {} : { basicAuth }),
    ...(externalAuth === undefined ? {} : { externalAuth }),
    ...(satisfyAny === undefined ? {} : { satisfyAny }),
  };
  return Object.keys(picked).length === 0 ? undefined : picked;
}

/**
 * True when an Ingress's routes carry access rules that the HTTP path enforces (source ranges,
 * limits, basic or external authentication). A connection passed through undecrypted
 * (ssl-passthrough) would skip them all, so such an Ingress is not passed through: ingress-nginx
 * does pass it through, unchecked; pointsman keeps the rules.
 */
export function hasAccessPolicies(policies: RoutePolicies): boolean {
  return (
    policies.sourceRanges !== undefined ||
    policies.rateLimit !== undefined ||
    policies.basicAuth !== undefined ||
    policies.externalAuth !== undefined
  );
}

const CLIENT_CERTIFICATE_PREFIX = 'nginx.ingress.kubernetes.io/auth-tls-';

/**
 * True when an Ingress's canonical annotations ask for client certificates (any `auth-tls-*`,
 * honoured or failing closed). The certificate is asked for in pointsman's own handshake, which
 * a passed-through connection never reaches, so such an Ingress is not passed through either.
 */
export function asksForClientCertificates(annotations: Readonly<Record<string, string>>): boolean {
  for (const key of Object.keys(annotations)) {
    if (key.startsWith(CLIENT_CERTIFICATE_PREFIX)) return true;
  }
  return false;
}
