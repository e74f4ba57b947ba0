import { readFileSync } from 'node:fs';
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

/**
 * A free TCP port on 127.0.0.1 below the kernel's ephemeral range, for a server that is stopped
 * and started again on the same port: an ephemeral port may meanwhile become the local port of
 * some client connection, and the server could not bind it again. Probes random ports from
 * 10000 up to the range's start (at most 100 tries).
 */
export async function freeFixedPort(): Promise<number> {
  const low = ephemeralRangeStart();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between 10000 and ${String(low)} after 100 tries`);
}

function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    const value = Number(low);
    return Number.isInteger(value) && value > 11_000 ? value : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}
