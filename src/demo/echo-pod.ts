import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Who an echo Pod says it is. */
export interface EchoPodIdentity {
  readonly namespace: string;
  readonly service: string;
  readonly pod: string;
}

/** A running echo Pod. */
export interface EchoPod {
  readonly identity: EchoPodIdentity;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** Largest request body an echo Pod reads before answering; the rest is discarded. */
const MAX_ECHO_BODY = 64 * 1024;

/**
 * Starts a tiny HTTP server standing in for a Pod: it answers every request with JSON naming the
 * Service and Pod that answered and echoing the method, path, Host and headers it received, so
 * a person (or a test) can see where pointsman sent a request and what it looked like.
 */
export async function startEchoPod(
  identity: EchoPodIdentity,
  host: string,
  port: number,
): Promise<EchoPod> {
  const server = createServer((req, res) => {
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_ECHO_BODY) req.resume();
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = `${JSON.stringify(
        {
          service: identity.service,
          pod: identity.pod,
          namespace: identity.namespace,
          method: req.method,
          path: req.url,
          host: req.headers.host ?? null,
          headers: req.headers,
          bodyBytes: received,
        },
        null,
        2,
      )}\n`;
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await listen(server, host, port);
  return {
    identity,
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
