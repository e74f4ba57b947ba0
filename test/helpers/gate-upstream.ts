import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** An upstream whose answers wait until the test opens the gate. */
export interface GateUpstream {
  readonly port: number;
  readonly server: Server;
  /** Requests waiting at the gate. */
  readonly waiting: number;
  /** Requests whose client went away before the gate opened. */
  readonly aborted: number;
  /** Resolves once `count` requests have arrived in total. */
  arrived(count: number): Promise<void>;
  /** Resolves once `count` requests have been aborted in total. */
  abortedCount(count: number): Promise<void>;
  /** Answers every waiting request with 200 and `body`. */
  open(body?: string): void;
  close(): Promise<void>;
}

/**
 * Starts an HTTP upstream on 127.0.0.1:0 that holds every request until {@link GateUpstream.open}
 * is called; the request body is read as it comes.
 */
export async function startGateUpstream(): Promise<GateUpstream> {
  const waiting = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let arrived = 0;
  let aborted = 0;
  const watchers: { check: () => boolean; resolve: () => void }[] = [];
  const notify = (): void => {
    for (const watcher of [...watchers]) {
      if (!watcher.check()) continue;
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve();
    }
  };
  const until = async (check: () => boolean): Promise<void> => {
    if (check()) return;
    await new Promise<void>((resolve) => watchers.push({ check, resolve }));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    waiting.add(res);
    arrived++;
    res.on('close', () => {
      waiting.delete(res);
      if (!res.writableFinished) aborted++;
      notify();
    });
    notify();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    server,
    get waiting() {
      return waiting.size;
    },
    get aborted() {
      return aborted;
    },
    arrived: (count) => until(() => arrived >= count),
    abortedCount: (count) => until(() => aborted >= count),
    open: (body = 'released') => {
      for (const res of waiting) res.end(body);
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
