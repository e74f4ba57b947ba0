import type { Socket } from 'node:net';

/**
 * Reads the first bytes of a new connection until `judge` can tell what they are (it returns
 * undefined while it needs more), puts every byte back (`unshift`) and calls `decide` once with
 * the verdict, the socket paused: the caller hands it to the server that speaks it. A connection
 * that stays silent for `timeoutMs`, or ends or fails before it can be told, is closed. Bounding
 * how many bytes are kept is `judge`'s to do (it decides when it has seen enough).
 */
export function peekFirstBytes<T>(
  socket: Socket,
  timeoutMs: number,
  judge: (bytes: Buffer) => T | undefined,
  decide: (verdict: T) => void,
): void {
  let seen: Buffer | null = null;
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  const cleanup = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onGone);
    socket.off('error', onGone);
  };
  const onData = (chunk: Buffer): void => {
    const bytes: Buffer = seen === null ? chunk : Buffer.concat([seen, chunk]);
    const verdict = judge(bytes);
    if (verdict === undefined) {
      seen = bytes;
      return;
    }
    cleanup();
    socket.pause();
    socket.unshift(bytes);
    decide(verdict);
  };
  // Until a server owns the socket, an error must not go unheard (it would end the process).
  const onGone = (): void => {
    cleanup();
    socket.destroy();
  };
  socket.on('data', onData);
  // A socket handed on paused (by the PROXY header reader) gets no 'data' until resumed.
  if (socket.isPaused()) socket.resume();
  socket.on('end', onGone);
  socket.on('error', onGone);
  socket.once('close', cleanup);
}
