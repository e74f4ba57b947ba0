import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { PassthroughHost, RouteTable } from '../../ir/index.ts';
import { asksForClientCertificates, sniffServerName } from '../tls/index.ts';
import { handOverTls } from './client-certificate-handshake.ts';
import { connectionAddress } from './client-address.ts';
import { ignoreError, type ProxyContext } from './context.ts';
import { logProxyError } from './log-error.ts';
import { spliceSockets } from './tunnel.ts';

/** Passthrough connections since the listener started. */
export interface PassthroughCounts {
  /** Connections spliced to an endpoint of their host's backend. */
  readonly spliced: number;
  /** Connections closed because the backend had no ready endpoint (HTTP would answer 503). */
  readonly noEndpoint: number;
  /** Connections closed because the endpoint could not be reached in time. */
  readonly connectFailed: number;
}

// A ClientHello is one handshake message, nearly always under 2 KiB (post-quantum key shares
// included); a client that needs more than a TLS record's worth is left to the TLS server.
const MAX_CLIENT_HELLO_BYTES = 16 * 1024;

// The passthrough hosts of each table, by host, built once per table.
const hostsOfTable = new WeakMap<RouteTable, ReadonlyMap<string, PassthroughHost>>();

function passthroughHosts(table: RouteTable): ReadonlyMap<string, PassthroughHost> {
  let hosts = hostsOfTable.get(table);
  if (hosts === undefined) {
    hosts = new Map((table.passthrough ?? []).map((entry) => [entry.host, entry]));
    hostsOfTable.set(table, hosts);
  }
  return hosts;
}

/**
 * Puts TLS passthrough (ssl-passthrough) in front of an HTTPS server: while the live table has
 * passthrough hosts, each new connection's ClientHello is read before any handshake; one that
 * names a passthrough host is spliced, bytes and all, to a ready endpoint of the host's backend
 * (round robin), which terminates TLS itself; every other connection goes to the server's own
 * 'connection' listeners (the TLS handshake), with the bytes read put back. Without passthrough
 * hosts nothing is read first. Call it once the TLS server's listeners are in place, before the
 * connection limits attach: they then admit connections before anything here runs.
 */
export function passThroughByServerName(
  server: Server,
  context: ProxyContext,
): () => PassthroughCounts {
  const listeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const terminate = (socket: Socket, serverName?: string | null): void => {
    handOverTls(server, context, socket, serverName, () => {
      for (const listener of listeners) listener.call(server, socket);
    });
  };
  const counts = { spliced: 0, noEndpoint: 0, connectFailed: 0 };
  server.on('connection', (socket: Socket) => {
    const table = context.tables.current?.table;
    // The ClientHello is read first for passthrough hosts, and for hosts that ask for client
    // certificates (client-certificate-handshake.ts).
    if (
      table?.passthrough === undefined &&
      (table === undefined || !asksForClientCertificates(table))
    ) {
      terminate(socket);
      return;
    }
    const options = {
      timeoutMs: context.settings.headersTimeoutMs,
      maxBytes: MAX_CLIENT_HELLO_BYTES,
    };
    sniffServerName(socket, options, (serverName) => {
      // The table live now, not the one at accept: a swap in between is followed.
      const live = context.tables.current;
      const entry =
        serverName === null || live === null
          ? undefined
          : passthroughHosts(live.table).get(serverName);
      if (entry === undefined) {
        // Not resumed: the TLS socket Node makes takes the bytes put back from the paused TCP
        // socket's buffer and then reads its handle itself; resuming it would steal the reads.
        terminate(socket, serverName);
        return;
      }
      splice(context, socket, entry, counts);
    });
  });
  return () => ({ ...counts });
}

function splice(
  context: ProxyContext,
  client: Socket,
  entry: PassthroughHost,
  counts: { spliced: number; noEndpoint: number; connectFailed: number },
): void {
  const fields = {
    host: entry.host,
    backend: entry.backend,
    client: connectionAddress(client),
  };
  const backend = context.tables.current?.backend(entry.backend);
  const endpoint = backend === undefined ? undefined : context.balancer.pick(backend);
  if (endpoint === undefined) {
    counts.noEndpoint++;
    logProxyError(context.logger, 'PM_ERR_NO_ENDPOINTS', fields);
    client.destroy();
    return;
  }
  // A tunnel for the tracker: busy for the connection limits, waited for and then cut by a
  // graceful close, like a WebSocket.
  const tunnel = context.tracker.tunnelOpened(client);
  client.on('error', ignoreError);
  const upstream = connect({ host: endpoint.address, port: endpoint.port, noDelay: true });
  tunnel.upstream = upstream;
  const upstreamKey = `${endpoint.address}:${String(endpoint.port)}`;
  upstream.on('error', ignoreError);
  upstream.setTimeout(context.settings.connectTimeoutMs, () => {
    counts.connectFailed++;
    logProxyError(context.logger, 'PM_ERR_UPSTREAM_CONNECT_TIMEOUT', {
      ...fields,
      upstream: upstreamKey,
    });
    upstream.destroy();
    client.destroy();
  });
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    counts.spliced++;
    context.logger.debug({ ...fields, upstream: upstreamKey }, 'TLS connection passed through');
    // The ClientHello the sniffer put back is the first thing piped to the upstream.
    spliceSockets(client, upstream, context.settings.tunnelIdleTimeoutMs);
  });
  upstream.once('error', (error) => {
    // Once connected, spliceSockets ends both sides on an error.
    if (connected) return;
    counts.connectFailed++;
    logProxyError(context.logger, 'PM_ERR_UPSTREAM_CONNECT', {
      ...fields,
      upstream: upstreamKey,
      error,
    });
    client.destroy();
  });
}
