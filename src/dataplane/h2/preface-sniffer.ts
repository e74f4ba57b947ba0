import type { Socket } from 'node:net';

/** The client connection preface of HTTP/2 (RFC 9113 section 3.4). */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** What a sniffed connection turned out to be. */
export type SniffResult = 'http2' | 'http1';

/**
 * Reads the first bytes of a cleartext connection to tell an HTTP/2 client with prior knowledge
 * (its first 24 bytes are the preface) from an HTTP/1.x one, puts the bytes back (`unshift`) and
 * calls `decide` once, with the socket paused: the caller hands it to the right server (and
 * resumes it for HTTP/1.x, whose parser would otherwise never see the bytes put back). Most HTTP/1.x requests differ from the preface at their second byte, so they are
 * handed on with their first packet. A connection that stays silent for `timeoutMs`, or ends
 * before it can be told, is closed.
 */
export function sniffPreface(
  socket: Socket,
  timeoutMs: number,
  decide: (result: SniffResult) => void,
): void {
  let seen: Buffer | null = null;
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  const cleanup = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('error', onError);
  };
  const onData = (chunk: Buffer): void => {
    const bytes: Buffer = seen === null ? chunk : Buffer.concat([seen, chunk]);
    const length = Math.min(bytes.length, HTTP2_PREFACE.length);
    const likePreface = bytes.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length));
    if (likePreface && bytes.length < HTTP2_PREFACE.length) {
      seen = bytes;
      return;
    }
    cleanup();
    socket.pause();
    socket.unshift(bytes);
    decide(likePreface ? 'http2' : 'http1');
  };
  const onEnd = (): void => {
    cleanup();
    socket.destroy();
  };
  // Until a server owns the socket, an error must not go unheard (it would end the process).
  const onError = (): void => {
    cleanup();
    socket.destroy();
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', onError);
  socket.once('close', cleanup);
}
