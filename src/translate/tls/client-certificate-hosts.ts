import { wildcardSuffix } from '../../ir/index.ts';
import type { ClientCertificatePolicy, Problem, TlsHost } from '../../ir/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import type { IngressSpec } from '../ingress-spec.ts';

/** An accepted Ingress (oldest first) and the client-certificate policy its annotations ask for. */
export interface ClientCertificateClaim {
  readonly object: StoredObject;
  readonly spec: IngressSpec;
  /** null: the Ingress asks for none (or its annotations could not be honoured). */
  readonly policy: ClientCertificatePolicy | null;
}

/** The TLS hosts with their client-certificate rules, and what to report. */
export interface ClientCertificateHosts {
  /** Sorted by host, as {@link TlsHost} lists are. */
  readonly hosts: readonly TlsHost[];
  /** Problems by Ingress (`namespace/name`). */
  readonly problems: ReadonlyMap<string, readonly Problem[]>;
  /**
   * Ingresses whose routes must refuse (`namespace/name`): their rules without a host (or
   * their default backend) would serve every name, which one host's handshake cannot cover.
   */
  readonly refused: ReadonlySet<string>;
}

const FIELD = 'metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-secret]';

/**
 * Binds the client-certificate rules of Ingresses to the TLS hosts of their rules, as
 * ingress-nginx sets them on each rule host's server: the oldest Ingress with a policy for a
 * host wins, a newer one's is reported and not used (its paths get the older one's rules).
 * A rule host that has no TLS binding of its own gets one, with the certificate its name is
 * served today (its wildcard's, else the default), so that its handshake can ask for a client
 * certificate. Rules without a host would need every name to ask: that Ingress refuses instead.
 */
export function bindClientCertificates(
  hosts: readonly TlsHost[],
  claims: readonly ClientCertificateClaim[],
): ClientCertificateHosts {
  const byHost = new Map(hosts.map((entry) => [entry.host, entry]));
  const owners = new Map<string, string>();
  const problems = new Map<string, Problem[]>();
  const refused = new Set<string>();
  for (const { object, spec, policy } of claims) {
    if (policy === null) continue;
    const owner = `${object.namespace}/${object.name}`;
    const sink: Problem[] = [];
    problems.set(owner, sink);
    const ruleHosts = new Set<string>();
    let hostless = spec.defaultBackend !== null;
    for (const rule of spec.rules) {
      if (rule.host === null || rule.host === '') hostless = true;
      else ruleHosts.add(rule.host.toLowerCase());
    }
    if (hostless) {
      refused.add(owner);
      sink.push({
        code: 'AccessControlNotEnforced',
        field: FIELD,
        message:
          'client certificates are asked for per host: rules without a host and a default backend cannot have them; the paths answer 503',
      });
    }
    for (const host of [...ruleHosts].sort()) {
      const holder = owners.get(host);
      if (holder !== undefined) {
        if (holder !== owner) {
          sink.push({
            code: 'IgnoredAnnotation',
            field: FIELD,
            message: `older Ingress ${holder} sets the client-certificate rules of ${host}; they apply to this Ingress's paths there too`,
          });
        }
        continue;
      }
      owners.set(host, owner);
      const entry = byHost.get(host) ?? newEntry(host, byHost);
      byHost.set(host, { ...entry, clientCertificates: policy });
    }
  }
  return {
    hosts: [...byHost.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)),
    problems,
    refused,
  };
}

/** A binding for a rule host without one: the wildcard's certificate, else the default. */
function newEntry(host: string, byHost: ReadonlyMap<string, TlsHost>): TlsHost {
  const kind = host.startsWith('*.') ? 'wildcard' : 'exact';
  const suffix = kind === 'exact' ? wildcardSuffix(host) : null;
  const wildcard = suffix === null ? undefined : byHost.get(`*.${suffix}`);
  return {
    host,
    kind,
    secret: wildcard?.secret ?? null,
    problem: wildcard?.problem ?? null,
  };
}
