import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { ClientCaMaterial } from '../../ir/index.ts';

/** What a TLS connection's client certificate says, as nginx's `$ssl_client_*` variables. */
export interface ClientCertificateFacts {
  /** Whether the client sent a certificate. */
  readonly present: boolean;
  /** The OpenSSL verification error code (Node's `authorizationError`); null: verified. */
  readonly error: string | null;
  /** The client's certificate; null without one. */
  readonly certificate: X509Certificate | null;
  /** Subject and issuer DN in RFC 2253 form (`CN=alice,O=Example`); '' without a certificate. */
  readonly subject: string;
  readonly issuer: string;
  /** The certificate as PEM, URL-encoded (`$ssl_client_escaped_cert`); '' without one. */
  readonly escapedPem: string;
}

const NO_CERTIFICATE: ClientCertificateFacts = Object.freeze({
  present: false,
  error: null,
  certificate: null,
  subject: '',
  issuer: '',
  escapedPem: '',
});

// Read once per connection: its certificate does not change (TLS 1.3 has no renegotiation, and
// Node refuses client-initiated TLS 1.2 renegotiation past a small budget).
const factsOfSocket = new WeakMap<TLSSocket, ClientCertificateFacts>();

// Longest chain walked: OpenSSL's own default depth limit is 100; a real one is a few.
const MAX_CHAIN = 100;

// The CA bundles parsed, by the material object of the table (dropped with it).
const bundles = new WeakMap<ClientCaMaterial, readonly X509Certificate[]>();
// The intermediates counted for a connection, with the CA version they were counted against.
const depthOfSocket = new WeakMap<
  TLSSocket,
  { readonly version: string; readonly count: number }
>();
const CERTIFICATE_BLOCK =
  /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----/g;

/** The client certificate facts of a connection. */
export function clientCertificateFacts(socket: TLSSocket): ClientCertificateFacts {
  let facts = factsOfSocket.get(socket);
  if (facts === undefined) {
    facts = readFacts(socket);
    factsOfSocket.set(socket, facts);
  }
  return facts;
}

function readFacts(socket: TLSSocket): ClientCertificateFacts {
  // Node gives an empty object when the client sent no certificate.
  const peer: Partial<DetailedPeerCertificate> = socket.getPeerCertificate(true);
  if (peer.raw === undefined) return NO_CERTIFICATE;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(peer.raw);
  } catch {
    return { ...NO_CERTIFICATE, present: true, error: 'CERT_UNREADABLE' };
  }
  const error = socket.authorized ? null : String(socket.authorizationError);
  return {
    present: true,
    error,
    certificate,
    subject: rfc2253(certificate.subject),
    issuer: rfc2253(certificate.issuer),
    escapedPem: encodeURIComponent(certificate.toString()),
  };
}

/**
 * Node writes a DN one RDN a line, in certificate order, each value already escaped as RFC 2253
 * wants; RFC 2253 lists the RDNs last first, separated by commas, as nginx's `$ssl_client_s_dn`.
 */
function rfc2253(multiline: string): string {
  return multiline
    .split('\n')
    .filter((line) => line !== '')
    .reverse()
    .map((line) => line.replaceAll(' + ', '+'))
    .join(',');
}

/**
 * The intermediate CA certificates between a verified client certificate and the root of its
 * chain, as OpenSSL's verify depth counts them. Node does not give a server the chain the
 * client sent, only its certificate, so the chain is rebuilt from the CA bundle: each CA of
 * the bundle above the certificate counts; when the certificate's issuer is not in the bundle,
 * the client sent the intermediates, which count as one (at least one; more cannot be seen).
 */
export function intermediatesOf(
  socket: TLSSocket,
  certificate: X509Certificate,
  version: string,
  material: ClientCaMaterial,
): number {
  const cached = depthOfSocket.get(socket);
  if (cached?.version === version) return cached.count;
  let bundle = bundles.get(material);
  if (bundle === undefined) {
    bundle = (material.caPem.match(CERTIFICATE_BLOCK) ?? []).flatMap((pem) => {
      try {
        return [new X509Certificate(pem)];
      } catch {
        return [];
      }
    });
    bundles.set(material, bundle);
  }
  const count = countIntermediates(certificate, bundle);
  depthOfSocket.set(socket, { version, count });
  return count;
}

function countIntermediates(leaf: X509Certificate, bundle: readonly X509Certificate[]): number {
  let current = leaf;
  let count = 0;
  for (let step = 0; step < MAX_CHAIN; step++) {
    if (signedBy(current, current)) return count;
    const issuer = bundle.find((ca) => ca !== current && signedBy(current, ca));
    if (issuer === undefined) return count + 1;
    if (signedBy(issuer, issuer)) return count;
    count++;
    current = issuer;
  }
  return count;
}

function signedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
