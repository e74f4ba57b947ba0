import type { Socket } from 'node:net';
import { peekFirstBytes } from '../peek-first-bytes.ts';
import { readClientHello } from './client-hello.ts';

/** Options of {@link sniffServerName}. */
export interface SniffServerNameOptions {
  /** Time the client has to send its whole ClientHello; a silent connection is then closed. */
  readonly timeoutMs: number;
  /** Most bytes buffered while the ClientHello is incomplete; then it is left to the TLS server. */
  readonly maxBytes: number;
}

/**
 * Reads the first bytes of a connection to the HTTPS listener until they hold a whole
 * ClientHello (over as many TCP reads as it takes, up to `maxBytes`), puts every byte back
 * (`unshift`) and calls `decide` once, with the socket paused, with the server name it asks for:
 * null when it names none, is not TLS, is malformed or is too large, all of which the TLS server
 * handles as it always has. A connection that stays silent for `timeoutMs`, or ends or fails
 * before it can be told, is closed.
 */
export function sniffServerName(
  socket: Socket,
  options: SniffServerNameOptions,
  decide: (serverName: string | null) => void,
): void {
  peekFirstBytes(
    socket,
    options.timeoutMs,
    (bytes): string | null | undefined => {
      const read = readClientHello(bytes);
      if (read.kind === 'incomplete' && bytes.length < options.maxBytes) return undefined;
      return read.kind === 'hello' ? read.serverName : null;
    },
    decide,
  );
}
