import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Called for each request head (bodies are not supported) with its connection's details. */
export type RawResponder = (head: string, socket: Socket, info: RawRequestInfo) => void;

/** Where a request came in: its connection's number and its position on that connection. */
export interface RawRequestInfo {
  /** 1 for the first connection the server accepted. */
  readonly connection: number;
  /** 1 for the first request on that connection. */
  readonly request: number;
}

/** A TCP server that speaks HTTP by hand, for upstream misbehaviour no HTTP library allows. */
export interface RawUpstream {
  readonly port: number;
  readonly server: Server;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Starts a TCP server on 127.0.0.1:0 that calls `respond` for every request head it reads;
 * the responder writes whatever bytes it likes (or nothing, or destroys the socket).
 */
export async function startRawUpstream(respond: RawResponder): Promise<RawUpstream> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const connection = ++connections;
    let request = 0;
    let buffered = '';
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end = buffered.indexOf('\r\n\r\n');
      while (end >= 0) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        respond(head, socket, { connection, request: ++request });
        end = buffered.indexOf('\r\n\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    server,
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

/** A fixed response as raw text; `headers` are written as given, Content-Length added. */
export function rawResponse(status: string, headers: readonly string[], body: string): string {
  const lines = [...headers, `Content-Length: ${Buffer.byteLength(body)}`];
  return `HTTP/1.1 ${status}\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n${body}`;
}
