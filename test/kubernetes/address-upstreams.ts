import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Echo servers on 127.0.0.2, 127.0.0.3, ... that share one port, as Pods behind one slice do. */
export interface AddressUpstreams {
  readonly port: number;
  readonly addresses: readonly string[];
  /** Requests answered, by address. */
  readonly requests: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts `count` HTTP servers on 127.0.0.2 upwards (loopback: Linux routes all of 127/8 to
 * lo), on one free port, each answering with its own address in the body.
 */
export async function startAddressUpstreams(count: number): Promise<AddressUpstreams> {
  const requests = new Map<string, number>();
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const addresses: string[] = [];
  let port = 0;
  for (let i = 0; i < count; i++) {
    const address = `127.0.0.${String(i + 2)}`;
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        requests.set(address, (requests.get(address) ?? 0) + 1);
        response.setHeader('content-type', 'text/plain');
        response.end(address);
      });
    });
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    servers.push(server);
    addresses.push(address);
    // The first server picks the port; the others take the same one on their own address.
    port = await listen(server, port, address);
  }
  return {
    port,
    addresses,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => {
                resolve();
              });
            }),
        ),
      );
    },
  };
}
