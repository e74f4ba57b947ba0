import type { Socket } from 'node:net';
import { peekFirstBytes } from '../peek-first-bytes.ts';

/** The client connection preface of HTTP/2 (RFC 9113 section 3.4). */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** What a sniffed connection turned out to be. */
export type SniffResult = 'http2' | 'http1';

/**
 * Reads the first bytes of a cleartext connection to tell an HTTP/2 client with prior knowledge
 * (its first 24 bytes are the preface) from an HTTP/1.x one, puts the bytes back (`unshift`) and
 * calls `decide` once, with the socket paused: the caller hands it to the right server (and
 * resumes it for HTTP/1.x, whose parser would otherwise never see the bytes put back). Most
 * HTTP/1.x requests differ from the preface at their second byte, so they are
 * handed on with their first packet. A connection that stays silent for `timeoutMs`, or ends
 * before it can be told, is closed.
 */
export function sniffPreface(
  socket: Socket,
  timeoutMs: number,
  decide: (result: SniffResult) => void,
): void {
  peekFirstBytes(
    socket,
    timeoutMs,
    (bytes): SniffResult | undefined => {
      const length = Math.min(bytes.length, HTTP2_PREFACE.length);
      const likePreface = bytes.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length));
      if (likePreface && bytes.length < HTTP2_PREFACE.length) return undefined;
      return likePreface ? 'http2' : 'http1';
    },
    decide,
  );
}
