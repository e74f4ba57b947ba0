import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ignoreError } from './context.ts';

/**
 * Joins an upgraded client connection and its upstream connection: bytes flow both ways with
 * backpressure, an end on one side ends the other, and an error on either cuts both.
 */
export function spliceSockets(client: Duplex, upstream: Socket): void {
  client.on('error', ignoreError);
  upstream.on('error', ignoreError);
  upstream.setTimeout(0);
  upstream.pipe(client);
  client.pipe(upstream);
  upstream.once('close', (hadError: boolean) => {
    if (hadError) client.destroy();
    else client.end();
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
