import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { RE2JS } from 're2js';
import { re2js, type ClientCertificatePolicy } from '../../ir/index.ts';
import type { ProxyErrorCode } from '../errors.ts';
import { clientCertificateHostOf, clientCertificatesOf } from '../tls/index.ts';
import {
  clientCertificateFacts,
  intermediatesOf,
  type ClientCertificateFacts,
} from './client-certificate-facts.ts';
import type { Gate, GateRequest, GateVerdict, HeaderPair } from './gate.ts';

// OpenSSL's verification errors that optional_no_ca lets through (nginx's
// ngx_ssl_verify_error_optional): the certificate is fine but no configured CA vouches for it.
const CA_ERRORS: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
]);

// nginx's `FAILED:reason` carries OpenSSL's text; the common ones, else the code.
const REASONS: Readonly<Record<string, string>> = {
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_REVOKED: 'certificate revoked',
  CERT_CHAIN_TOO_LONG: 'certificate chain too long',
};

// Compiled match-cn patterns, bounded by the tables' hosts; dropped whole past that scale.
const patterns = new Map<string, RE2JS>();
const MAX_PATTERNS = 10_000;

/**
 * Checks the client-certificate rules of the request's host (auth-tls-*): those of the rule host
 * routing picks for it (exact, else wildcard), never of a bare TLS name, as nginx checks the
 * chosen server's `ssl_verify_client`: the certificate the handshake asked for must have been sent
 * (`on`) and verify against the host's CA bundle, CRL and depth (`on`, `optional`; with
 * `optional_no_ca` only a CA-trust failure passes, marked FAILED), else 400 or the
 * auth-tls-error-page redirect; then the subject must match auth-tls-match-cn (403). A request
 * whose connection was set up for a name another rule host serves (SNI), none, or without
 * asking for a certificate is 421, so that a client retries on a connection of its own for the host: this
 * also stops HTTP/2 connection reuse across hosts. Plain HTTP counts as sending no certificate.
 * Passing sets ssl-client-verify, -subject-dn, -issuer-dn (and -cert) upstream, replacing what
 * the client sent.
 */
export const clientCertificateGate: Gate = (request) => {
  if (!request.table.clientCertificates) return undefined;
  const policy = clientCertificatesOf(request.table.table, request.target.host);
  if (policy === undefined) return undefined;
  try {
    return verdictOf(request, policy);
  } catch {
    // An HTTP/2 session's socket throws once the connection is gone: nobody is left to answer.
    return { kind: 'refuse', code: 'PM_ERR_CLIENT_CLOSED' };
  }
};

function verdictOf(request: GateRequest, policy: ClientCertificatePolicy): GateVerdict {
  const material = request.table.access.clientCas.get(policy.secret.version);
  if (material === undefined) {
    return { kind: 'refuse', code: 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED' };
  }
  const tls = request.tls;
  let facts: ClientCertificateFacts | null = null;
  if (policy.verify !== 'off' && tls !== null) {
    const record = request.state.handshakes.of(tls);
    const sent = record?.serverName ?? normalise(tls.servername);
    const table = request.table.table;
    const sameServer =
      sent !== null &&
      clientCertificateHostOf(table, sent) === clientCertificateHostOf(table, request.target.host);
    if (record === undefined || !record.requested || !sameServer) {
      return { kind: 'refuse', code: 'PM_ERR_MISDIRECTED_REQUEST' };
    }
    facts = clientCertificateFacts(tls);
  }
  const verify = verification(policy, facts, (certificate) =>
    intermediatesOf(tls as TLSSocket, certificate, policy.secret.version, material),
  );
  if (verify.refuse !== undefined) return failure(policy, verify.refuse);
  const subject = facts?.subject ?? '';
  if (policy.matchSubject !== undefined && !compiled(policy.matchSubject).matcher(subject).find()) {
    return { kind: 'refuse', code: 'PM_ERR_CLIENT_CERTIFICATE_FORBIDDEN' };
  }
  const headers: HeaderPair[] = [
    ['ssl-client-verify', verify.value],
    ['ssl-client-subject-dn', headerText(subject)],
    ['ssl-client-issuer-dn', headerText(facts?.issuer ?? '')],
  ];
  if (policy.passCertificate) headers.push(['ssl-client-cert', facts?.escapedPem ?? '']);
  return { kind: 'pass', grant: { upstreamHeaders: headers } };
}

/** `$ssl_client_verify` (SUCCESS, NONE, FAILED:reason), or the refusal nginx gives. */
function verification(
  policy: ClientCertificatePolicy,
  facts: ClientCertificateFacts | null,
  depthOf: (certificate: X509Certificate) => number,
): { readonly value: string; readonly refuse?: ProxyErrorCode } {
  if (facts === null || !facts.present) {
    return policy.verify === 'on'
      ? { value: 'NONE', refuse: 'PM_ERR_CLIENT_CERTIFICATE_REQUIRED' }
      : { value: 'NONE' };
  }
  let error = facts.error;
  if (error === null && facts.certificate !== null && depthOf(facts.certificate) > policy.depth) {
    error = 'CERT_CHAIN_TOO_LONG';
  }
  if (error === null) return { value: 'SUCCESS' };
  const value = `FAILED:${REASONS[error] ?? error}`;
  if (policy.verify === 'optional_no_ca' && CA_ERRORS.has(error)) return { value };
  return { value, refuse: 'PM_ERR_CLIENT_CERTIFICATE_INVALID' };
}

/** nginx's `error_page 495 496 = URL`: a redirect (302) when the host has an error page. */
function failure(policy: ClientCertificatePolicy, code: ProxyErrorCode): GateVerdict {
  if (policy.errorPage === undefined) return { kind: 'refuse', code };
  return {
    kind: 'answer',
    status: 302,
    headers: [
      ['location', policy.errorPage],
      ['x-pointsman-error', code],
    ],
  };
}

function compiled(pattern: string): RE2JS {
  let regex = patterns.get(pattern);
  if (regex === undefined) {
    if (patterns.size >= MAX_PATTERNS) patterns.clear();
    regex = re2js().compile(pattern);
    patterns.set(pattern, regex);
  }
  return regex;
}

function normalise(servername: string | false | null | undefined): string | null {
  if (typeof servername !== 'string' || servername === '') return null;
  const name = servername.toLowerCase();
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** A DN as nginx sends it: its UTF-8 bytes, which Node's header check takes as Latin-1. */
function headerText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}
