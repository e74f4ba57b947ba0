import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  createServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../../observability/index.ts';
import { proxiedAddressOf } from '../proxy-protocol/index.ts';
import { adaptExchange, type ConnectionFacts } from './compat-exchange.ts';
import { sniffPreface } from './preface-sniffer.ts';

/** Options of {@link acceptHttp2}. */
export interface AcceptHttp2Options {
  /** The request listener of the HTTP/1.1 server; HTTP/2 requests reach it too. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * `tls`: the server is an HTTPS server whose ALPN offers `h2`, and connections that chose it
   * are served as HTTP/2. `cleartext`: connections that open with the HTTP/2 preface are (h2c
   * with prior knowledge, RFC 9113 section 3.3).
   */
  readonly mode: 'tls' | 'cleartext';
  /** Largest header list accepted (SETTINGS_MAX_HEADER_LIST_SIZE), like the HTTP/1.1 limit. */
  readonly maxHeaderSize: number;
  /** Streams a client may have open at once on one connection. */
  readonly maxConcurrentStreams: number;
  /** A connection without open streams is closed (GOAWAY) after this long idle; 0 keeps it. */
  readonly idleTimeoutMs: number;
  /**
   * Told when a connection's first stream opens (it is passed the socket the server accepted);
   * the function it returns, if any, is called when its last open stream closes.
   */
  readonly onBusy?: (socket: Duplex) => (() => void) | null;
  /** Cleartext: time a new connection has to show what it speaks. */
  readonly prefaceTimeoutMs: number;
  readonly logger: Logger;
}

/** The HTTP/2 side of a listener. */
export interface Http2Side {
  /** HTTP/2 connections open. */
  readonly sessions: number;
}

// The side of each server, for the proxy's connection counts: listener-server.ts creates the
// server and calls acceptHttp2; create-proxy.ts counts connections and only has the server.
const sides = new WeakMap<Server, Http2Side>();

/** The HTTP/2 side {@link acceptHttp2} added to `server`; null when it serves HTTP/1.x only. */
export function http2SideOf(server: Server): Http2Side | null {
  return sides.get(server) ?? null;
}

interface SessionState {
  readonly facts: ConnectionFacts;
  /** The socket the server accepted (a session's own `socket` is a stand-in for it). */
  readonly socket: Duplex;
  streams: number;
  /** What {@link AcceptHttp2Options.onBusy} returned for the open streams. */
  endBusy: (() => void) | null;
}

/**
 * Serves HTTP/2 on an existing HTTP/1.1 server (plain or HTTPS) with node:http2 in compatibility
 * mode: each connection is handed, once it is known to speak HTTP/2, to an HTTP/2 server that
 * never listens itself; every other connection goes to the HTTP/1.1 server exactly as before.
 * So HTTP/1.1 keeps its own settings and behaviour on the same port, and one request handler
 * serves both. The server's `closeIdleConnections` and `closeAllConnections` (what a graceful
 * close calls) also send GOAWAY to, or cut, the HTTP/2 connections.
 */
export function acceptHttp2(server: Server, options: AcceptHttp2Options): Http2Side {
  const sessions = new Map<Http2Session, SessionState>();
  const http2 = createServer({
    settings: {
      maxConcurrentStreams: options.maxConcurrentStreams,
      maxHeaderListSize: options.maxHeaderSize,
    },
  });
  // Set while a diverted socket is handed over: the server emits 'session' synchronously then.
  let arriving: Duplex | null = null;
  http2.on('session', (session: Http2Session) => {
    trackSession(session, arriving ?? session.socket, sessions, options.idleTimeoutMs);
  });
  http2.on('stream', (stream: ServerHttp2Stream) => {
    const session = stream.session as Http2Session;
    const state = sessions.get(session);
    if (state === undefined) return;
    if (state.streams++ === 0) state.endBusy = options.onBusy?.(state.socket) ?? null;
    stream.once('close', () => {
      if (--state.streams > 0) return;
      state.endBusy?.();
      state.endBusy = null;
      // The idle timer fires once; if streams were open then, it must start again now.
      if (options.idleTimeoutMs > 0 && !session.closed && !session.destroyed) {
        session.setTimeout(options.idleTimeoutMs);
      }
    });
  });
  http2.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const state = sessions.get(req.stream.session as Http2Session);
    adaptExchange(req, res, state?.facts ?? NO_FACTS);
    // The adapted compatibility objects offer every member the handler reads (see adaptExchange).
    options.handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
  http2.on('sessionError', (error: Error) => {
    options.logger.debug({ err: error }, 'HTTP/2 connection error');
  });
  divertConnections(server, options, (socket) => {
    arriving = socket;
    try {
      http2.emit('connection', socket);
    } finally {
      arriving = null;
    }
  });
  followCloses(server, sessions);
  const side: Http2Side = {
    get sessions() {
      return sessions.size;
    },
  };
  sides.set(server, side);
  return side;
}

const NO_FACTS: ConnectionFacts = {
  remoteAddress: undefined,
  remotePort: undefined,
  localAddress: undefined,
  localPort: undefined,
};

function trackSession(
  session: Http2Session,
  accepted: Duplex,
  sessions: Map<Http2Session, SessionState>,
  idleTimeoutMs: number,
): void {
  const socket = session.socket;
  const state: SessionState = {
    facts: {
      // The client a trusted peer's PROXY header named stands for the peer, as on HTTP/1.x.
      remoteAddress: proxiedAddressOf(accepted) ?? socket.remoteAddress,
      remotePort: socket.remotePort,
      localAddress: socket.localAddress,
      localPort: socket.localPort,
    },
    socket: accepted,
    streams: 0,
    endBusy: null,
  };
  sessions.set(session, state);
  session.once('close', () => {
    sessions.delete(session);
    state.endBusy?.();
  });
  if (idleTimeoutMs > 0) {
    // One listener for the session's life: the timer is started again after each busy spell.
    // destroy(), not close(): after close() Node only half-closes the socket and waits for the
    // peer to hang up, which a client that stops reading never does. With no stream open
    // nothing is lost, and destroy() still sends GOAWAY.
    session.on('timeout', () => {
      if (state.streams === 0) session.destroy();
    });
    session.setTimeout(idleTimeoutMs);
  }
}

/** Takes over the server's own connection listener and calls it only for HTTP/1.x. */
function divertConnections(
  server: Server,
  options: AcceptHttp2Options,
  toHttp2: (socket: Socket) => void,
): void {
  const event = options.mode === 'tls' ? 'secureConnection' : 'connection';
  const [http1, ...others] = server.listeners(event) as ((socket: Socket) => void)[];
  if (http1 === undefined || others.length > 0) {
    throw new Error(`acceptHttp2 expects the server's own '${event}' listener alone`);
  }
  server.removeListener(event, http1);
  if (options.mode === 'tls') {
    server.on(event, (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') toHttp2(socket);
      else http1.call(server, socket);
    });
    return;
  }
  server.on(event, (socket: Socket) => {
    sniffPreface(socket, options.prefaceTimeoutMs, (result) => {
      if (result === 'http2') {
        // The session reads the bytes put back itself, then takes the socket over natively.
        toHttp2(socket);
        return;
      }
      http1.call(server, socket);
      // The parser reads the socket natively from now on; resuming replays the bytes put back.
      socket.resume();
    });
  });
}

/** Graceful close sends GOAWAY (streams in flight finish); the hard close cuts connections. */
function followCloses(server: Server, sessions: ReadonlyMap<Http2Session, SessionState>): void {
  const closeIdle = server.closeIdleConnections.bind(server);
  const closeAll = server.closeAllConnections.bind(server);
  server.closeIdleConnections = () => {
    closeIdle();
    for (const session of sessions.keys()) if (!session.closed) session.close();
  };
  server.closeAllConnections = () => {
    closeAll();
    // A session already closed gracefully ignores destroy() until its peer hangs up (see
    // trackSession); cutting the socket it runs on is what ends it for certain.
    for (const [session, state] of sessions) {
      session.destroy();
      state.socket.destroy();
    }
  };
}
