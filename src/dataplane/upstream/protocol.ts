import type { Readable } from 'node:stream';
import type { Backend, BackendProtocol, Endpoint, UpstreamTlsMaterials } from '../../ir/index.ts';
import { endpointKey } from './origin.ts';
import type { TrailerFields } from './trailers.ts';
import { upstreamTlsOf, type UpstreamTls } from './upstream-tls.ts';

/** How one pool reaches its endpoint: the protocol, and the TLS server name when there is TLS. */
export interface UpstreamTarget {
  readonly protocol: BackendProtocol;
  /** The SNI name for HTTPS and GRPCS: the Service's cluster DNS name. Null without TLS. */
  readonly servername: string | null;
  /** proxy-ssl: the TLS options of the connections; absent: the upstream is not verified. */
  readonly tls?: UpstreamTls;
  /**
   * A route's own connect timeout (proxy-connect-timeout); absent: the pools' default. undici
   * times connects per pool, so each timeout gets pools of its own.
   */
  readonly connectTimeoutMs?: number;
}

/** Plain HTTP/1.1, the default. */
export const HTTP_TARGET: UpstreamTarget = Object.freeze({ protocol: 'HTTP', servername: null });

/** One request as the proxy hands it to an upstream dispatcher. */
export interface UpstreamRequest {
  readonly path: string;
  readonly method: string;
  /** Flat `[name, value, ...]` list, as forwardHeaders builds it. */
  readonly headers: string[];
  /** The client request when it has a body to stream, else null. */
  readonly body: Readable | null;
  /**
   * A route's own wait for the response head, and longest gap between response body chunks
   * (proxy-read-timeout), in place of the pool's.
   */
  readonly headersTimeout?: number;
  readonly bodyTimeout?: number;
}

/** How a handler steers its request (the shape of undici's dispatch controller). */
export interface UpstreamController {
  /** Ends the request: `onResponseError` is told `reason`, once. */
  abort(reason: Error): void;
  /** Stops the response body until `resume()`: the handler's backpressure. */
  pause(): void;
  resume(): void;
  readonly aborted: boolean;
  readonly paused: boolean;
  readonly reason: Error | null;
}

/**
 * What hears about one request's response, in order: start, then the head, body pieces and
 * the end, or an error at any point (the shape of undici's dispatch handler, which the proxy
 * used before it had its own HTTP/1.1 client).
 */
export interface UpstreamHandler {
  onRequestStart?(controller: UpstreamController, context: unknown): void;
  onResponseStart?(
    controller: UpstreamController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void;
  onResponseData?(controller: UpstreamController, chunk: Buffer): void;
  onResponseEnd?(controller: UpstreamController, trailers: TrailerFields): void;
  onResponseError?(controller: UpstreamController, error: Error): void;
}

/** What the proxy needs of a pool of connections to one endpoint. */
export interface UpstreamDispatcher {
  /** Sends the request; the handler hears about the response. */
  dispatch(request: UpstreamRequest, handler: UpstreamHandler): boolean;
  /** Lets running requests finish, then closes every connection. */
  close(): Promise<void>;
  /** Closes every connection at once, failing what still runs on them. */
  destroy(): Promise<void>;
}

/** True for the protocols spoken as HTTP/2 to the upstream. */
export function usesHttp2(protocol: BackendProtocol | undefined): boolean {
  return protocol === 'GRPC' || protocol === 'GRPCS' || protocol === 'H2C';
}

/** True for the protocols with TLS to the upstream. */
export function usesTls(protocol: BackendProtocol): boolean {
  return protocol === 'HTTPS' || protocol === 'GRPCS';
}

/**
 * The target of a backend's endpoints. TLS connections name the Service (`api.shop.svc`) in
 * SNI, the name cluster certificates are usually issued for, unless proxy-ssl-server-name names
 * another; the certificate is verified only with proxy-ssl-verify (see docs/tls.md), against the
 * `ca.crt` that `materials` (the table's) holds for the backend's Secret.
 */
export function upstreamTarget(
  backend: Pick<Backend, 'protocol' | 'service' | 'namespace' | 'tls'>,
  materials?: UpstreamTlsMaterials,
): UpstreamTarget {
  const protocol = backend.protocol;
  if (protocol === undefined) return HTTP_TARGET;
  if (!usesTls(protocol)) return { protocol, servername: null };
  const serviceName = `${backend.service}.${backend.namespace}.svc`;
  if (backend.tls === undefined) return { protocol, servername: serviceName };
  const tls = upstreamTlsOf(backend.tls, serviceName, materials);
  return { protocol, servername: tls.servername ?? serviceName, tls };
}

/** `target` reached with a route's own connect timeout, when it has one. */
export function withConnectTimeout(
  target: UpstreamTarget,
  connectTimeoutMs: number | undefined,
): UpstreamTarget {
  return connectTimeoutMs === undefined ? target : { ...target, connectTimeoutMs };
}

/**
 * The key a pool is stored under: `address:port` for plain HTTP, else the protocol, the server
 * name when there is one, and the endpoint (`grpcs://api.shop.svc@10.0.0.1:50051`); then a
 * route's own connect timeout, when it has one (`10.0.0.1:80 connect=30000ms`), and a hash of
 * the backend's proxy-ssl settings, when it has any (` tls=...`).
 */
export function poolKey(endpoint: Endpoint, target: UpstreamTarget): string {
  const key = endpointKey(endpoint);
  const connect =
    target.connectTimeoutMs === undefined ? '' : ` connect=${String(target.connectTimeoutMs)}ms`;
  if (target.protocol === 'HTTP') return `${key}${connect}`;
  const name = target.servername === null ? '' : `${target.servername}@`;
  const tls = target.tls === undefined ? '' : ` tls=${target.tls.key}`;
  return `${target.protocol.toLowerCase()}://${name}${key}${connect}${tls}`;
}
