import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export { freePort } from '../../test/helpers/free-port.ts';

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/**
 * Polls `probe` every 50 ms until it returns true; false once `gone()` says the process died
 * or `timeoutMs` has passed.
 */
export async function pollUntil(
  probe: () => Promise<boolean> | boolean,
  gone: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gone()) {
    if (await probe()) return true;
    await delay(50);
  }
  return false;
}

/**
 * One GET to 127.0.0.1:port with the given Host, over HTTPS (any certificate accepted) when
 * `tls`; status and body length (status 0 on error).
 */
export async function get(
  port: number,
  host: string,
  path = '/',
  tls = false,
): Promise<{ status: number; bytes: number }> {
  const options = {
    host: '127.0.0.1',
    port,
    path,
    headers: { host },
    agent: false,
    timeout: 5_000,
  };
  return new Promise((resolve) => {
    const onResponse = (res: IncomingMessage): void => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, bytes });
      });
      res.on('error', () => {
        resolve({ status: 0, bytes });
      });
    };
    const req = tls
      ? httpsRequest({ ...options, rejectUnauthorized: false }, onResponse)
      : httpRequest(options, onResponse);
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      resolve({ status: 0, bytes: 0 });
    });
    req.end();
  });
}
