import type { TlsSpec } from '../ingress-spec.ts';
import {
  mapItems,
  quote,
  readArray,
  readItem,
  readString,
  report,
  wrongType,
  type ProblemSink,
} from './json-fields.ts';
import { dns1123SubdomainError, tlsHostError } from './names.ts';

/**
 * Applies the API server's rules to `spec.tls`: every host a DNS-1123 subdomain or a wildcard
 * one (the API server allows IP addresses here), and a `secretName`, when given, a valid
 * Secret name (a DNS-1123 subdomain). Returns the typed entries (null where one is malformed).
 */
export function validateTls(
  entries: readonly unknown[],
  field: string,
  sink: ProblemSink,
): (TlsSpec | null)[] {
  return mapItems(entries, (entry, index) => validateEntry(entry, `${field}[${index}]`, sink));
}

function validateEntry(item: unknown, field: string, sink: ProblemSink): TlsSpec | null {
  const entry = readItem(item, field, sink);
  if (entry === null) return null;
  const hosts = readArray(entry, 'hosts', `${field}.hosts`, sink) ?? [];
  const validHosts = mapItems(hosts, (host, index) =>
    validateHost(host, `${field}.hosts[${index}]`, sink),
  );
  const secretName = readString(entry, 'secretName', `${field}.secretName`, sink);
  if (secretName) {
    const error = dns1123SubdomainError(secretName);
    if (error !== null) {
      report(sink, 'InvalidTLS', `${field}.secretName`, `${quote(secretName)}: ${error}`);
    }
  }
  return {
    hosts: validHosts.filter((host) => host !== null),
    secretName: secretName === '' || secretName === undefined ? null : secretName,
  };
}

function validateHost(host: unknown, field: string, sink: ProblemSink): string | null {
  if (typeof host !== 'string') {
    wrongType(sink, field, 'a string', host);
    return null;
  }
  const error = tlsHostError(host);
  if (error === null) return host;
  report(sink, 'InvalidHost', field, `${quote(host)}: ${error}`);
  return null;
}
