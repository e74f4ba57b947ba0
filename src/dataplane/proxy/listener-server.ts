import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { acceptHttp2 } from '../h2/index.ts';
import { createServer } from '../node-http.ts';
import type { ProxyContext } from './context.ts';
import { withHsts } from './hsts.ts';
import { expectProxyHeaders } from './proxy-protocol-listener.ts';
import { passThroughByServerName, type PassthroughCounts } from './ssl-passthrough.ts';

/** The request listener of a proxy server. */
type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

// Streams one HTTP/2 client may have open at once (nginx's default too).
const MAX_CONCURRENT_STREAMS = 128;

/**
 * The Node server of one listener: plain HTTP, or HTTPS when the settings carry TLS options.
 * HTTPS responses get the Strict-Transport-Security header. With `http2`, the same port also
 * serves HTTP/2 (see acceptHttp2): by ALPN over TLS (the listener offers `h2` and `http/1.1`,
 * whatever the TLS options say), with prior knowledge (h2c) in cleartext. HTTPS also passes
 * the connections of passthrough hosts through undecrypted (see passThroughByServerName).
 * With `proxyProtocol`, each connection's PROXY header is read before all of that (see
 * expectProxyHeaders).
 */
export function createListenerServer(
  context: ProxyContext,
  options: ServerOptions,
  handler: RequestListener,
): Server {
  const { settings } = context;
  if (settings.tls === null) {
    const server = createServer(options, handler);
    if (settings.http2) serveHttp2(server, context, handler, 'cleartext');
    if (settings.proxyProtocol) expectProxyHeaders(server, context);
    return server;
  }
  const listener = settings.hsts === '' ? handler : withHsts(handler, settings.hsts);
  const server = createHttpsServer(
    {
      ...options,
      ...settings.tls,
      ALPNProtocols: settings.http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
      // A slow handshake holds a connection like a slow request head does.
      handshakeTimeout: settings.headersTimeoutMs,
    },
    listener,
  );
  server.on('tlsClientError', (error: Error, socket: Duplex) => {
    context.logger.debug({ err: error }, 'TLS handshake failed');
    socket.destroy();
  });
  if (settings.http2) serveHttp2(server, context, listener, 'tls');
  passthroughCounts.set(server, passThroughByServerName(server, context));
  // Last: the PROXY header comes before the ClientHello the passthrough sniffer reads.
  if (settings.proxyProtocol) expectProxyHeaders(server, context);
  return server;
}

// The passthrough counts of each HTTPS server, for the proxy's stats (see passthroughCountsOf).
const passthroughCounts = new WeakMap<Server, () => PassthroughCounts>();

/** The passthrough counts of a server made by createListenerServer; null for plain HTTP. */
export function passthroughCountsOf(server: Server): PassthroughCounts | null {
  return passthroughCounts.get(server)?.() ?? null;
}

function serveHttp2(
  server: Server,
  context: ProxyContext,
  handler: RequestListener,
  mode: 'tls' | 'cleartext',
): void {
  const { settings } = context;
  acceptHttp2(server, {
    handler,
    mode,
    maxHeaderSize: settings.maxHeaderSize,
    maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
    idleTimeoutMs: settings.keepAliveTimeoutMs,
    prefaceTimeoutMs: settings.headersTimeoutMs,
    // A session with open streams is busy, one without is idle, for the connection limits.
    onBusy: (socket) => context.limits.workStarted(socket),
    logger: context.logger,
  });
}
