/** A response or socket: something that emits `close` once, when it is done or torn down. */
export interface Closable {
  readonly closed?: boolean;
  readonly destroyed: boolean;
  once(event: 'close' | 'prefinish', listener: () => void): unknown;
}

/**
 * Calls `release` when the response (or the upgraded socket) closes: after the answer is
 * sent, when the client goes away, when the upstream fails and the answer is cut, or at once if
 * that has already happened. `close` is the one event every way of ending emits, HTTP/1.1 and
 * HTTP/2 alike. An HTTP/1.1 answer also releases at `prefinish`, when its last byte has been
 * handed to the socket, a turn or more before `close`: with several workers the release is a
 * message to the shared limits, and it should be on its way before the client, holding its
 * answer, can send the next request through another worker. `release` must tolerate a second
 * call (every limit release counts once).
 */
export function whenClosed(closable: Closable, release: () => void): void {
  if (closable.closed === true || closable.destroyed) {
    release();
    return;
  }
  closable.once('prefinish', release);
  closable.once('close', release);
}
