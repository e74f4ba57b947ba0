import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the echo upstream answers, as JSON. */
export interface EchoReply {
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Names and values as received, duplicates and case kept. */
  readonly rawHeaders: string[];
  /** Body bytes received (the body itself is counted, never kept). */
  readonly bodyBytes: number;
}

/** The echo upstream's answer in a response body. */
export function parseEcho(body: string): EchoReply {
  return JSON.parse(body) as EchoReply;
}

/** A running echo upstream. */
export interface EchoUpstream {
  readonly name: string;
  readonly port: number;
  readonly server: Server;
  /** Requests answered so far. */
  readonly requests: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 (port 0) that answers every request with JSON describing
 * it: its name, method, url, headers and how many body bytes arrived. HEAD gets the headers
 * only. `X-Echo-Set-Cookie: n` makes it send n Set-Cookie headers.
 */
export async function startEchoUpstream(name = 'echo'): Promise<EchoUpstream> {
  let requests = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      requests++;
      const reply: EchoReply = {
        name,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        bodyBytes,
      };
      const body = JSON.stringify(reply);
      const cookies = Number(req.headers['x-echo-set-cookie'] ?? 0);
      for (let i = 0; i < cookies; i++) res.appendHeader('set-cookie', `c${i}=v${i}; Path=/`);
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-length', Buffer.byteLength(body));
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    port,
    server,
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
