import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionLimits } from './connection-limits.ts';

/** Counts of what a proxy holds open. */
export interface ProxyStats {
  /** Client connections open (upgraded ones included until they close). */
  readonly connections: number;
  /** Requests whose response has not finished or been cut yet. */
  readonly activeRequests: number;
  /** Upgrade requests and the tunnels they became. */
  readonly tunnels: number;
}

/** One upgraded connection: the client socket and, once connected, the upstream one. */
export interface Tunnel {
  readonly client: Duplex;
  upstream: Duplex | null;
}

/**
 * Keeps count of client connections, in-flight requests and tunnels, so a graceful close
 * knows when everything has finished and what to cut at its deadline.
 */
export class ConnectionTracker {
  readonly #limits: ConnectionLimits | null;
  #connections = 0;
  #requests = 0;
  readonly #tunnels = new Set<Tunnel>();
  #idleWaiters: (() => void)[] = [];
  /** Called after each request ends; the proxy sets it while draining. */
  onRequestDone: (() => void) | null = null;

  // One shared listener for every response: nothing is allocated per request here.
  readonly #onResponseClose = (): void => {
    this.#requests--;
    this.onRequestDone?.();
    this.#settle();
  };

  readonly #onSocketClose = (): void => {
    this.#connections--;
  };

  /** With `limits`, also tells them which connections are busy (a request or a tunnel). */
  constructor(limits: ConnectionLimits | null = null) {
    this.#limits = limits;
  }

  /** Counts a new client connection until it closes. */
  connectionOpened(socket: Socket): void {
    this.#connections++;
    socket.once('close', this.#onSocketClose);
  }

  /** Counts a request until its response closes (finished or cut). */
  requestStarted(res: ServerResponse): void {
    this.#requests++;
    res.once('close', this.#onResponseClose);
    // The request's socket, not the response's: a pipelined response gets one only in its turn.
    const endWork = this.#limits?.workStarted(res.req.socket) ?? null;
    if (endWork !== null) res.once('close', endWork);
  }

  /** Counts an upgrade request until its client socket closes. */
  tunnelOpened(client: Duplex): Tunnel {
    const tunnel: Tunnel = { client, upstream: null };
    this.#tunnels.add(tunnel);
    // Busy until it closes: the limits forget a connection when it does.
    this.#limits?.workStarted(client);
    client.once('close', () => {
      this.#tunnels.delete(tunnel);
      tunnel.upstream?.destroy();
      this.#settle();
    });
    return tunnel;
  }

  /** Cuts every tunnel, both ends. */
  destroyTunnels(): void {
    for (const tunnel of this.#tunnels) {
      tunnel.client.destroy();
      tunnel.upstream?.destroy();
    }
  }

  /** Resolves once no request is in flight and no tunnel is open. */
  async idle(): Promise<void> {
    if (this.#isIdle()) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Current counts. */
  stats(): ProxyStats {
    return {
      connections: this.#connections,
      activeRequests: this.#requests,
      tunnels: this.#tunnels.size,
    };
  }

  #isIdle(): boolean {
    return this.#requests === 0 && this.#tunnels.size === 0;
  }

  #settle(): void {
    if (this.#idleWaiters.length === 0 || !this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
