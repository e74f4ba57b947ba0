import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { clientAddress } from './client-address.ts';
import { clientGroup } from './client-group.ts';

/** Why the limits closed a connection. */
export type ShedReason = 'evicted' | 'clientLimit' | 'limit';

/** Connections the limits closed since the proxy started, by {@link ShedReason}. */
export interface ShedCounts {
  /** Idle connections closed, least recently active first, to make room for a new one. */
  readonly evicted: number;
  /** New connections refused: their client address (an IPv6 one: its /64) held its share. */
  readonly clientLimit: number;
  /** New connections refused at the limit because every open connection was busy. */
  readonly limit: number;
}

/** Options of {@link ConnectionLimits}. */
export interface ConnectionLimitsOptions {
  /** Most connections open at once. */
  readonly maxConnections: number;
  /** Most connections open at once from one client address (IPv6: one /64). */
  readonly maxPerClient: number;
  /**
   * True for addresses the per-client limit does not apply to: behind a load balancer (a
   * trusted proxy) every client shares its address.
   */
  readonly exempt: (address: string) => boolean;
  /** Told about each connection refused or evicted, for a rate-limited log line. */
  readonly onShed?: (reason: ShedReason) => void;
}

/** Ends one piece of work begun by {@link ConnectionLimits.workStarted}. */
export type EndWork = () => void;

/** One open connection as the limits see it. */
interface Entry {
  /** The accepted TCP socket: destroying it closes whatever was layered on it (TLS, HTTP/2). */
  readonly socket: Socket;
  /** The TLS socket over it, once its handshake is done; null before, and without TLS. */
  secure: Duplex | null;
  /** Per-client key (see clientGroup); null for an exempt address. */
  group: string | null;
  /** Requests in flight, tunnels, HTTP/2 sessions with open streams: idle at zero. */
  busy: number;
  /** False once closed or evicted: late events about it change nothing. */
  open: boolean;
  readonly endWork: EndWork;
  readonly onClose: () => void;
}

/**
 * Decides which connections a listener holds, so that no client can keep another from being
 * served. A connection from an address that already holds its share is refused; at the limit,
 * the connection that has been idle longest (no request in flight: a head not yet complete, a
 * keep-alive gap, a TLS handshake, an HTTP/2 session without streams) is closed to make room,
 * and only when every connection is busy is the new one refused. Refused connections are closed
 * without an answer, before any HTTP or TLS code sees them.
 *
 * Idle connections sit in a Set in the order they fell idle (a Set keeps insertion order, and
 * delete-then-add moves one to the end), so finding the oldest and every state change are O(1).
 * Only open connections are held, so memory is bounded by the limit.
 */
export class ConnectionLimits {
  readonly #options: ConnectionLimitsOptions;
  // Keyed by the TCP socket and, after the handshake, by the TLS socket over it as well.
  readonly #entries = new Map<Duplex, Entry>();
  readonly #idle = new Set<Entry>();
  readonly #perClient = new Map<string, number>();
  #open = 0;
  readonly #shed: Record<ShedReason, number> = { evicted: 0, clientLimit: 0, limit: 0 };

  constructor(options: ConnectionLimitsOptions) {
    this.#options = options;
  }

  /**
   * Puts the limits in front of `server`: every 'connection' listener it has now (Node's own
   * HTTP, TLS or HTTP/2-sniffing one, and any added before) runs only for admitted connections.
   * Call it after the server's listeners are in place and before it listens.
   */
  attach(server: Server): void {
    const listeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      if (!this.admit(socket)) {
        socket.destroy();
        return;
      }
      for (const listener of listeners) listener.call(server, socket);
    });
    // Requests and tunnels on HTTPS arrive on the TLS socket, not the TCP one admitted.
    server.prependListener('secureConnection', (socket: Duplex) => {
      this.#secured(socket);
    });
  }

  /**
   * Counts a new connection, closing the oldest idle one when at the limit; false when it must
   * be refused instead (the caller closes it).
   */
  admit(socket: Socket): boolean {
    const address = clientAddress(socket.remoteAddress);
    const group = address === '' || this.#options.exempt(address) ? null : clientGroup(address);
    if (group !== null && (this.#perClient.get(group) ?? 0) >= this.#options.maxPerClient) {
      this.#count('clientLimit');
      return false;
    }
    if (this.#open >= this.#options.maxConnections) {
      const oldest = this.#idle.values().next();
      if (oldest.done === true) {
        this.#count('limit');
        return false;
      }
      // Forgotten first, so the slot is free now: the socket reports 'close' only later.
      this.#forget(oldest.value);
      oldest.value.socket.destroy();
      this.#count('evicted');
    }
    this.#add(socket, group);
    return true;
  }

  /**
   * Counts an admitted connection under the client its PROXY header named rather than under
   * its peer (a balancer, exempt as a trusted proxy). False when that client already holds its
   * share: the caller closes the connection, which then frees its slot.
   */
  identify(socket: Socket, address: string): boolean {
    const entry = this.#entries.get(socket);
    if (entry === undefined || !entry.open) return true;
    const group = address === '' || this.#options.exempt(address) ? null : clientGroup(address);
    if (group === entry.group) return true;
    if (group !== null && (this.#perClient.get(group) ?? 0) >= this.#options.maxPerClient) {
      this.#count('clientLimit');
      return false;
    }
    this.#regroup(entry, group);
    return true;
  }

  /**
   * Marks the connection of `socket` (TCP or TLS) busy until the returned function is called;
   * calls nest. Null for sockets it does not know, such as the stand-in socket of an HTTP/2
   * request: HTTP/2 sessions report their streams themselves.
   */
  workStarted(socket: Duplex | null): EndWork | null {
    const entry = socket === null ? undefined : this.#entries.get(socket);
    if (entry === undefined || !entry.open) return null;
    if (entry.busy++ === 0) this.#idle.delete(entry);
    return entry.endWork;
  }

  /** Connections open now, as counted against the limit. */
  get open(): number {
    return this.#open;
  }

  /** Client keys (addresses, IPv6 /64s) with open connections held now. */
  get clients(): number {
    return this.#perClient.size;
  }

  /** Connections closed by the limits so far. */
  shed(): ShedCounts {
    return { ...this.#shed };
  }

  #add(socket: Socket, group: string | null): void {
    const entry: Entry = {
      socket,
      secure: null,
      group,
      busy: 0,
      open: true,
      endWork: () => {
        if (!entry.open || entry.busy === 0) return;
        // Added anew, it goes to the end of the idle order: the most recently active.
        if (--entry.busy === 0) this.#idle.add(entry);
      },
      onClose: () => {
        this.#forget(entry);
      },
    };
    this.#entries.set(socket, entry);
    this.#idle.add(entry);
    this.#open++;
    if (group !== null) this.#perClient.set(group, (this.#perClient.get(group) ?? 0) + 1);
    socket.once('close', entry.onClose);
  }

  #forget(entry: Entry): void {
    if (!entry.open) return;
    entry.open = false;
    this.#entries.delete(entry.socket);
    if (entry.secure !== null) this.#entries.delete(entry.secure);
    this.#idle.delete(entry);
    this.#open--;
    this.#release(entry.group);
  }

  #regroup(entry: Entry, group: string | null): void {
    this.#release(entry.group);
    entry.group = group;
    if (group !== null) this.#perClient.set(group, (this.#perClient.get(group) ?? 0) + 1);
  }

  #release(group: string | null): void {
    if (group === null) return;
    const left = (this.#perClient.get(group) ?? 1) - 1;
    // Only addresses with open connections are kept: the map cannot grow with past clients.
    if (left === 0) this.#perClient.delete(group);
    else this.#perClient.set(group, left);
  }

  #secured(socket: Duplex): void {
    // Node keeps the TCP socket a server-side TLS socket was made from as `_parent`; there is
    // no public link between the two, and the TLS socket is made inside Node's own listener.
    const parent = (socket as { _parent?: unknown })._parent;
    const entry = this.#entries.get(parent as Duplex);
    if (entry === undefined || !entry.open) return;
    entry.secure = socket;
    this.#entries.set(socket, entry);
  }

  #count(reason: ShedReason): void {
    this.#shed[reason]++;
    this.#options.onShed?.(reason);
  }
}
