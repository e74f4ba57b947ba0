import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

/** A loopback port whose TCP handshakes never complete: a connect there hangs until it times out. */
export interface UnacceptingListener {
  readonly port: number;
  /** Unblocks the listener, closes it and every socket opened to fill it. */
  close(): Promise<void>;
}

// The listener lives in a worker thread that blocks right after listen(), so nothing ever
// calls accept() on it (libuv accepts eagerly on a running loop).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createServer } = require('node:net');
const server = createServer((socket) => socket.destroy());
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(workerData, 0, 0);
  server.close();
});
`;

/** How long a loopback connect may take before it counts as stuck (they take well under 1 ms). */
const STUCK_MS = 200;
const MAX_FILLERS = 8;

/**
 * Listens on 127.0.0.1 with a backlog of 1 and never accepts, then opens connections until one
 * stays pending: once the accept queue is full, Linux drops further SYNs (the client retries
 * them for far longer than any test waits), which is what an unreachable upstream looks like.
 * Resolves with null when the kernel kept completing handshakes ({@link MAX_FILLERS} of them).
 */
export async function startUnacceptingListener(): Promise<UnacceptingListener | null> {
  const blocked = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER, { eval: true, workerData: blocked });
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      resolve();
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const sockets: Socket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    Atomics.store(blocked, 0, 1);
    Atomics.notify(blocked, 0);
    await exited;
  };
  for (let i = 0; i < MAX_FILLERS; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    sockets.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        resolve(false);
      }, STUCK_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) return { port, close };
  }
  await close();
  return null;
}
