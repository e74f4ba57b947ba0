import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (bound on port 0 and released), for
 * programs that cannot be told to listen on port 0 and report the port (nginx, HAProxy, etcd,
 * kube-apiserver). Another process could take it in between; the program then fails to start
 * with a bind error in its own log.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}
