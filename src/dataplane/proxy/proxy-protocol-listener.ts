import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { acceptProxyHeader, rememberProxiedAddress } from '../proxy-protocol/index.ts';
import { clientAddress } from './client-address.ts';
import type { ProxyContext } from './context.ts';
import { isTrusted } from './trusted-proxies.ts';

/**
 * Makes every connection to `server` open with a PROXY protocol header (`--proxy-protocol`):
 * the server's 'connection' listeners (TLS, the passthrough and h2c sniffers, HTTP/1.x) run only
 * once a valid header has been read and taken off, so they see the connection as the client
 * began it; a connection without one is closed. The header's client address is believed only
 * from a trusted peer (then it is the connection's address: see connectionAddress, and the
 * per-client connection limit counts it); from anyone else the header is read, required and
 * ignored, as nginx's realip module ignores it from addresses not in `set_real_ip_from`.
 * Call it once the server's own listeners are in place, before the connection limits attach.
 */
export function expectProxyHeaders(server: Server, context: ProxyContext): void {
  const listeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const { settings, logger } = context;
  const cleartext = settings.tls === null;
  server.on('connection', (socket: Socket) => {
    const peer = clientAddress(socket.remoteAddress);
    const options = {
      timeoutMs: settings.proxyProtocolTimeoutMs,
      onRejected: (reason: string) => {
        logger.debug({ client: peer, reason }, 'connection closed: no valid PROXY header');
      },
    };
    acceptProxyHeader(socket, options, (header) => {
      if (header.source !== null) {
        if (isTrusted(context.trusted, peer)) {
          rememberProxiedAddress(socket, header.source.address);
          if (!context.limits.identify(socket, header.source.address)) {
            socket.destroy();
            return;
          }
        } else {
          logger.debug({ client: peer }, 'PROXY header from an untrusted peer ignored');
        }
      }
      for (const listener of listeners) listener.call(server, socket);
      // Cleartext: the HTTP/1.x parser reads the socket natively from now on, and resuming
      // replays the bytes put back (the h2c sniffer reads them too). A TLS socket takes them
      // from the paused socket's buffer itself, and resuming would steal its reads.
      if (cleartext && !socket.destroyed) socket.resume();
    });
  });
}
