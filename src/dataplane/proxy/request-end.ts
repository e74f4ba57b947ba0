/** A response or socket: something that emits `close` once, when it is done or torn down. */
export interface Closable {
  readonly closed?: boolean;
  readonly destroyed: boolean;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Calls `release` once when the response (or the upgraded socket) closes: after the answer is
 * sent, when the client goes away, when the upstream fails and the answer is cut, or at once if
 * that has already happened. `close` is the one event every way of ending emits, HTTP/1.1 and
 * HTTP/2 alike.
 */
export function whenClosed(closable: Closable, release: () => void): void {
  if (closable.closed === true || closable.destroyed) {
    release();
    return;
  }
  closable.once('close', release);
}
