import { request, type RequestOptions } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { connect, TLSSocket, type PeerCertificate } from 'node:tls';

/** What a TLS handshake with the server showed. */
export interface Handshake {
  /** The leaf certificate's subject CN. */
  readonly cn: string;
  /** The leaf certificate's subjectAltName, as Node prints it. */
  readonly san: string;
  readonly fingerprint: string;
  /** TLSv1.2 or TLSv1.3. */
  readonly protocol: string;
  readonly alpn: string | false | null;
}

/** Options of {@link handshake}. */
export interface HandshakeOptions {
  /** The SNI name; none is sent when absent. */
  readonly servername?: string;
  /** Trust this CA and verify the certificate and its host (the servername). */
  readonly ca?: string;
  /** The newest TLS version the client offers (default: TLSv1.3). */
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly timeoutMs?: number;
}

function describe(
  certificate: PeerCertificate,
  protocol: string | null,
  alpn: string | false | null,
): Handshake {
  const cn = certificate.subject.CN;
  return {
    cn: Array.isArray(cn) ? cn.join(',') : (cn ?? ''),
    san: certificate.subjectaltname ?? '',
    fingerprint: certificate.fingerprint256,
    protocol: protocol ?? '',
    alpn,
  };
}

/** Does one TLS handshake with 127.0.0.1:port and reports the certificate the server chose. */
export async function handshake(port: number, options: HandshakeOptions = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ...(options.servername === undefined ? {} : { servername: options.servername }),
      ...(options.ca === undefined ? { rejectUnauthorized: false } : { ca: options.ca }),
      ALPNProtocols: ['http/1.1'],
      maxVersion: options.maxVersion ?? 'TLSv1.3',
    });
    socket.setTimeout(options.timeoutMs ?? 10_000, () =>
      socket.destroy(new Error('handshake timed out')),
    );
    socket.once('secureConnect', () => {
      const result = describe(
        socket.getPeerCertificate(),
        socket.getProtocol(),
        socket.alpnProtocol,
      );
      socket.end();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

/** A whole HTTPS response, with the certificate that served it. */
export interface HttpsReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly certificate: Handshake;
}

/** Options of {@link sendHttps}. */
export interface HttpsOptions {
  readonly method?: string;
  readonly path?: string;
  /** The Host header (default: the servername). */
  readonly host?: string;
  /** The SNI name; '' sends none. */
  readonly servername: string;
  /** Trust this CA and verify the certificate for `servername`; else accept any certificate. */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

/** One HTTPS request on a new connection to 127.0.0.1:port. */
export async function sendHttps(port: number, options: HttpsOptions): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const requestOptions: RequestOptions & { ALPNProtocols: string[] } = {
      host: '127.0.0.1',
      port,
      method: options.method ?? 'GET',
      path: options.path ?? '/',
      headers: { host: options.host ?? options.servername },
      servername: options.servername,
      ALPNProtocols: ['http/1.1'],
      agent: false,
      timeout: options.timeoutMs ?? 10_000,
      ...(options.ca === undefined ? { rejectUnauthorized: false } : { ca: options.ca }),
    };
    const req = request(requestOptions, (res) => {
      const socket = res.socket;
      if (!(socket instanceof TLSSocket)) {
        reject(new Error('the response did not come over TLS'));
        return;
      }
      const certificate = describe(
        socket.getPeerCertificate(),
        socket.getProtocol(),
        socket.alpnProtocol,
      );
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          certificate,
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}
