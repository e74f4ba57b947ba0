import { wildcardSuffix } from '../../ir/index.ts';
import type {
  CertificateMaterial,
  Problem,
  TlsDefaultCertificate,
  TlsHost,
} from '../../ir/index.ts';
import type { StoredObject } from '../../objects/index.ts';
import type { IngressSpec, TlsSpec } from '../ingress-spec.ts';
import type { SecretRef } from '../options.ts';
import { coversHost } from './certificate-names.ts';
import { SecretChecks, type CheckedSecret, type SecretOutcome } from './secret-checks.ts';

/** What binding TLS hosts needs. */
export interface TlsInputs {
  /** Accepted Ingresses, oldest first. */
  readonly ingresses: readonly { readonly object: StoredObject; readonly spec: IngressSpec }[];
  readonly secrets: readonly StoredObject[];
  readonly now?: number | undefined;
  readonly defaultCertificate?: SecretRef | null | undefined;
}

/** Every TLS host with the certificate it gets, and what to report about it. */
export interface TlsBindings {
  /** Sorted by host. */
  readonly hosts: readonly TlsHost[];
  readonly defaultCertificate: TlsDefaultCertificate | null;
  /** The material of every certificate in use, by version. */
  readonly certificates: ReadonlyMap<string, CertificateMaterial>;
  /** Results of the Secrets that were checked, by `namespace/name`; others are unused. */
  readonly secrets: ReadonlyMap<string, SecretOutcome>;
  /** The TLS problems of an Ingress. */
  problemsOf(ingress: StoredObject): readonly Problem[];
  /** Whether a rule host has a usable certificate of its own (exact, else the wildcard's). */
  hasCertificate(ruleHost: string | null): boolean;
}

interface Binding {
  readonly host: TlsHost;
  readonly owner: string;
  readonly secret: string | null;
  readonly usable: boolean;
}

/**
 * Binds every `spec.tls[].hosts` entry of the accepted Ingresses to its Secret (in the
 * Ingress's namespace). Ingresses are taken oldest first; the first usable certificate for a
 * host wins, and a newer Ingress naming another usable Secret for it gets CertificateConflict.
 * A host whose Secret is missing or fails a check keeps a binding with the reason, and is
 * served the default certificate. An entry without hosts binds its certificate to the rule
 * hosts of its Ingress that the certificate covers.
 */
export function bindTls(inputs: TlsInputs): TlsBindings {
  const checks = new SecretChecks(inputs.secrets, inputs.now);
  const bindings = new Map<string, Binding>();
  const problems = new Map<string, Problem[]>();
  const certificates = new Map<string, CertificateMaterial>();
  for (const { object, spec } of inputs.ingresses) {
    const owner = `${object.namespace}/${object.name}`;
    const sink: Problem[] = [];
    spec.tls.forEach((entry, index) => {
      const context = { owner, namespace: object.namespace, spec, checks, bindings, sink };
      bindEntry(context, entry, `spec.tls[${String(index)}]`);
    });
    problems.set(owner, sink);
  }
  for (const binding of bindings.values()) {
    const secret = binding.host.secret;
    if (secret === null) continue;
    const checked = checks.check(secret.namespace, secret.name);
    if (checked.ok) certificates.set(secret.version, checked.certificate.material);
  }
  const defaultCertificate = bindDefault(inputs.defaultCertificate ?? null, checks, certificates);
  const usable = (host: string): boolean => bindings.get(host)?.usable === true;
  return {
    hosts: [...bindings.values()]
      .map((binding) => binding.host)
      .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)),
    defaultCertificate,
    certificates,
    secrets: checks.outcomes(),
    problemsOf: (ingress) => problems.get(`${ingress.namespace}/${ingress.name}`) ?? [],
    hasCertificate: (ruleHost) => {
      if (ruleHost === null) return false;
      if (usable(ruleHost)) return true;
      const suffix = ruleHost.startsWith('*.') ? null : wildcardSuffix(ruleHost);
      return suffix !== null && usable(`*.${suffix}`);
    },
  };
}

interface EntryContext {
  readonly owner: string;
  readonly namespace: string;
  readonly spec: IngressSpec;
  readonly checks: SecretChecks;
  readonly bindings: Map<string, Binding>;
  readonly sink: Problem[];
}

function bindEntry(context: EntryContext, entry: TlsSpec, field: string): void {
  const { namespace, checks, sink } = context;
  const secretName = entry.secretName;
  const checked = secretName === null ? null : checks.check(namespace, secretName);
  const secretKey = secretName === null ? null : `${namespace}/${secretName}`;
  if (checked !== null && !checked.ok) {
    const names = entry.hosts.length > 0 ? entry.hosts.join(', ') : 'the hosts of this entry';
    sink.push({
      code: checked.problem.code,
      message: `${prefix(checked, secretKey)}${checked.problem.message}; HTTPS serves the default certificate for ${names}`,
      field: `${field}.secretName`,
    });
  }
  for (const { host, field: hostField } of hostsOf(context, entry, checked, field)) {
    const candidate = candidateFor(context, host, hostField, checked, secretKey);
    claim(context, candidate, hostField);
  }
}

/** The entry's hosts; without any, the rule hosts its (usable) certificate covers. */
function hostsOf(
  context: EntryContext,
  entry: TlsSpec,
  checked: CheckedSecret | null,
  field: string,
): { host: string; field: string }[] {
  if (entry.hosts.length > 0) {
    const seen = new Set<string>();
    return entry.hosts.flatMap((host, index) => {
      if (seen.has(host)) return [];
      seen.add(host);
      return [{ host, field: `${field}.hosts[${String(index)}]` }];
    });
  }
  if (checked === null || !checked.ok) return [];
  const ruleHosts = new Set(context.spec.rules.flatMap((rule) => (rule.host ? [rule.host] : [])));
  const covered = [...ruleHosts].filter((host) => coversHost(checked.certificate.names, host));
  if (covered.length === 0 && ruleHosts.size > 0) {
    context.sink.push({
      code: 'CertificateHostMismatch',
      message: `the entry names no hosts, and the certificate of Secret ${checked.ref.namespace}/${checked.ref.name} covers none of the rule hosts (${[...ruleHosts].join(', ')})`,
      field,
    });
  }
  return covered.map((host) => ({ host, field }));
}

function candidateFor(
  context: EntryContext,
  host: string,
  field: string,
  checked: CheckedSecret | null,
  secretKey: string | null,
): Binding {
  const kind = host.startsWith('*.') ? 'wildcard' : 'exact';
  const base = { owner: context.owner, secret: secretKey };
  if (checked === null) {
    return { ...base, usable: false, host: { host, kind, secret: null, problem: null } };
  }
  if (!checked.ok) {
    return { ...base, usable: false, host: { host, kind, secret: null, problem: checked.problem } };
  }
  if (!coversHost(checked.certificate.names, host)) {
    const names = checked.certificate.names.dns.join(', ') || 'none';
    const problem = {
      code: 'CertificateHostMismatch' as const,
      message: `the certificate of Secret ${secretKey ?? ''} does not cover ${host} (its DNS names: ${names}); HTTPS serves the default certificate for it`,
    };
    context.sink.push({ code: problem.code, message: problem.message, field });
    context.checks.note(checked.ref.namespace, checked.ref.name, {
      ...problem,
      field: 'data[tls.crt]',
    });
    return { ...base, usable: false, host: { host, kind, secret: null, problem } };
  }
  return { ...base, usable: true, host: { host, kind, secret: checked.ref, problem: null } };
}

/** Oldest binding wins, except that a usable certificate replaces an unusable one. */
function claim(context: EntryContext, candidate: Binding, field: string): void {
  const host = candidate.host.host;
  const existing = context.bindings.get(host);
  if (existing === undefined || (!existing.usable && candidate.usable)) {
    context.bindings.set(host, candidate);
    return;
  }
  if (existing.usable && candidate.usable && existing.secret !== candidate.secret) {
    const by =
      existing.owner === context.owner
        ? 'an earlier entry of this Ingress'
        : `older Ingress ${existing.owner}`;
    context.sink.push({
      code: 'CertificateConflict',
      message: `${by} binds Secret ${existing.secret ?? ''} to ${host}; its certificate is served`,
      field,
    });
  }
}

function bindDefault(
  ref: SecretRef | null,
  checks: SecretChecks,
  certificates: Map<string, CertificateMaterial>,
): TlsDefaultCertificate | null {
  if (ref === null) return null;
  const checked = checks.check(ref.namespace, ref.name);
  if (!checked.ok) return { secret: null, problem: checked.problem };
  certificates.set(checked.ref.version, checked.certificate.material);
  return { secret: checked.ref, problem: null };
}

function prefix(checked: CheckedSecret, secretKey: string | null): string {
  return !checked.ok && checked.problem.code === 'SecretNotFound'
    ? ''
    : `Secret ${secretKey ?? ''}: `;
}
