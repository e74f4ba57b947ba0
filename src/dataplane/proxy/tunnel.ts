import { Socket as NetSocket, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ignoreError } from './context.ts';

/**
 * Joins an upgraded client connection and its upstream connection: bytes flow both ways with
 * backpressure, an end on one side ends the other, and an error on either cuts both. When no
 * byte moves either way for `idleTimeoutMs` (0: never), both are cut: an idle tunnel would
 * otherwise hold its connection slot for ever.
 */
export function spliceSockets(client: Duplex, upstream: Socket, idleTimeoutMs: number): void {
  client.on('error', ignoreError);
  upstream.on('error', ignoreError);
  upstream.setTimeout(0);
  if (idleTimeoutMs > 0 && client instanceof NetSocket) {
    // Every byte of the tunnel is read from or written to the client socket, and Node restarts
    // a socket's timer on each read and write: its timeout is the tunnel's idle time. A client
    // that stops reading stalls the writes too, so it counts as idle, as in nginx.
    client.setTimeout(idleTimeoutMs, () => {
      client.destroy();
      upstream.destroy();
    });
  }
  upstream.pipe(client);
  client.pipe(upstream);
  upstream.once('close', (hadError: boolean) => {
    if (hadError) {
      client.destroy();
      return;
    }
    // The upstream is gone, and with it the pipe from the client, which leaves the client
    // paused: its end would never be read, and the half-closed connection would stay open (and
    // counted against the limits) until the idle timeout. Reading on, and dropping what comes,
    // lets it close when the client does.
    client.unpipe(upstream);
    client.resume();
    client.end();
  });
  client.once('close', () => {
    if (!upstream.destroyed) upstream.destroy();
  });
}

/** An HTTP/1.1 response head as text: status line and header lines, ending in a blank line. */
export function responseHeadText(
  statusCode: number,
  statusMessage: string,
  headers: readonly (string | readonly string[])[],
): string {
  let text = `HTTP/1.1 ${statusCode} ${statusMessage}\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string | readonly string[];
    for (const line of typeof value === 'string' ? [value] : value) text += `${name}: ${line}\r\n`;
  }
  return `${text}\r\n`;
}
