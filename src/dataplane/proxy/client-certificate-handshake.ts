import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { asksForClientCertificate } from '../tls/index.ts';
import type { ProxyContext } from './context.ts';

/**
 * Hands a new HTTPS connection, whose ClientHello named `serverName`, to the TLS server, asking
 * the client for a certificate only when that name's host has client-certificate rules
 * (auth-tls-*): hosts without rules never see a CertificateRequest. Node's TLS server reads its
 * `requestCert` when it wraps each connection, synchronously in `terminate`, so setting it
 * around that call makes the request per connection; the server is made with
 * `rejectUnauthorized: false` (https-options.ts), so a missing or bad certificate is answered
 * by the client-certificate gate (400, as nginx) instead of a failed handshake. The name and
 * the decision are recorded for the gate. `serverName` undefined: the ClientHello was not read
 * (no host of the table has rules), and nothing is asked.
 */
export function handOverTls(
  server: Server,
  context: ProxyContext,
  socket: Socket,
  serverName: string | null | undefined,
  terminate: () => void,
): void {
  if (serverName === undefined) {
    terminate();
    return;
  }
  const live = context.tables.current?.table;
  const requested = live !== undefined && asksForClientCertificate(live, serverName);
  context.policy.handshakes.note(socket, serverName, requested);
  if (!requested) {
    terminate();
    return;
  }
  const tlsServer = server as unknown as { requestCert: boolean };
  tlsServer.requestCert = true;
  try {
    terminate();
  } finally {
    tlsServer.requestCert = false;
  }
}
