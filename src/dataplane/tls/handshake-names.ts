import type { Socket } from 'node:net';

/** What the HTTPS listener decided for one connection before its handshake. */
export interface HandshakeRecord {
  /** The name the ClientHello sent (SNI), lower case without a trailing dot; null: none. */
  readonly serverName: string | null;
  /** Whether the handshake asked the client for a certificate. */
  readonly requested: boolean;
}

/**
 * The server name and certificate request of each open HTTPS connection, as read from its
 * ClientHello before the handshake. Node reports no server name for a resumed TLS 1.2 session,
 * so the client-certificate gate asks here. Keyed by the connection's TCP socket object (held
 * weakly), never by anything a peer chooses: two connections from one address and port (to two
 * local addresses) are two sockets, so one can never read the other's record.
 */
export class HandshakeNames {
  readonly #records = new WeakMap<object, HandshakeRecord>();
  #open = 0;

  /** Records what was decided for `socket` (the TCP connection, before TLS). */
  note(socket: Socket, serverName: string | null, requested: boolean): void {
    let name = serverName?.toLowerCase() ?? null;
    if (name?.endsWith('.') === true) name = name.slice(0, -1);
    if (!this.#records.has(socket)) {
      this.#open += 1;
      socket.once('close', () => {
        this.#records.delete(socket);
        this.#open -= 1;
      });
    }
    this.#records.set(socket, { serverName: name, requested });
  }

  /**
   * The record of a connection, given its TLS socket (whose `_parent` is the TCP socket Node
   * wrapped; an HTTP/2 session's proxy of it reads through) or the TCP socket itself; undefined
   * when none was made.
   */
  of(socket: object): HandshakeRecord | undefined {
    const parent = (socket as { readonly _parent?: unknown })._parent;
    if (typeof parent === 'object' && parent !== null) {
      const record = this.#records.get(parent);
      if (record !== undefined) return record;
    }
    return this.#records.get(socket);
  }

  /** Open connections recorded. */
  get size(): number {
    return this.#open;
  }
}
