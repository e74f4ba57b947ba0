import type { Socket } from 'node:net';
import { readProxyHeader, type ProxyHeaderRead } from './proxy-header.ts';

/** A whole PROXY header read from a connection. */
export type ProxyHeader = Extract<ProxyHeaderRead, { kind: 'header' }>;

/** Options of {@link acceptProxyHeader}. */
export interface AcceptProxyHeaderOptions {
  /** Time the peer has to send the whole header; the connection is closed after it. */
  readonly timeoutMs: number;
  /** Told why a connection was closed without a header (for a debug log line). */
  readonly onRejected?: (reason: string) => void;
}

/**
 * Reads the PROXY protocol header a connection must open with, before anything else reads it
 * (TLS included: the header precedes the ClientHello). The header's bytes are taken off the
 * connection; whatever followed them in the same reads is put back (`unshift`) and `accepted`
 * is called once, with the socket paused, so the next reader sees the connection as if it had
 * begun after the header. A connection that does not open with a valid header, sends more than
 * a header may hold, stays silent for `timeoutMs`, or ends or fails first is destroyed.
 * At most one header's worth of bytes (see readProxyHeader) is ever buffered.
 */
export function acceptProxyHeader(
  socket: Socket,
  options: AcceptProxyHeaderOptions,
  accepted: (header: ProxyHeader) => void,
): void {
  let seen: Buffer | null = null;
  const timer = setTimeout(() => {
    reject('no PROXY header in time');
  }, options.timeoutMs);
  const cleanup = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onGone);
    socket.off('error', onGone);
  };
  const reject = (reason: string): void => {
    cleanup();
    options.onRejected?.(reason);
    socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    const bytes: Buffer = seen === null ? chunk : Buffer.concat([seen, chunk]);
    const read = readProxyHeader(bytes);
    if (read.kind === 'incomplete') {
      seen = bytes;
      return;
    }
    if (read.kind === 'invalid') {
      reject(read.reason);
      return;
    }
    cleanup();
    socket.pause();
    if (bytes.length > read.length) socket.unshift(bytes.subarray(read.length));
    accepted(read);
  };
  // Until a server owns the socket, an error must not go unheard (it would end the process).
  const onGone = (): void => {
    cleanup();
    socket.destroy();
  };
  socket.on('data', onData);
  socket.on('end', onGone);
  socket.on('error', onGone);
  socket.once('close', cleanup);
}
