import type { TlsOptions } from 'node:tls';
import type { Logger } from '../../observability/index.ts';
import type { Balancer } from '../balancer/index.ts';
import type { Resilience } from '../health/index.ts';
import type { LimitCounter } from '../policy/index.ts';
import type { CompiledTable } from '../compile/index.ts';
import type { RequestObserver } from './request-record.ts';
import { DEFAULT_RETRIES, type Retries } from './retry-policy.ts';
import { parseTrustedProxies } from './trusted-proxies.ts';

/** Options of {@link createProxy}; every setting but `tables` and `logger` has a default. */
export interface ProxyOptions {
  /** Where the live route table is read, once per request (a TableHolder). */
  readonly tables: { readonly current: CompiledTable | null };
  readonly logger: Logger;
  /** Chooses endpoints; round robin when absent. */
  readonly balancer?: Balancer;
  /**
   * The secret of persistent session cookies (affinity-mode: persistent), at least 16 bytes:
   * the same on every replica and listener so that each reads the others' cookies. Absent: a
   * random one for this proxy. Ignored when `balancer` is given.
   */
  readonly sessionCookieKey?: Uint8Array;
  /**
   * Passive endpoint health and the retry budget; share one between the listeners of a process.
   * Absent: one of the proxy's own with the default settings.
   */
  readonly resilience?: Resilience;
  /**
   * Where limit-rps, limit-rpm and limit-connections are counted; share one between the
   * listeners of a process (ingress-nginx's zones span all its servers), or the workers' shared
   * counter. Absent: the proxy's own.
   */
  readonly limits?: LimitCounter;
  /**
   * When a failed attempt goes to another endpoint, for routes without proxy-next-upstream
   * annotations of their own (ingress-nginx's ConfigMap keys of the same names).
   */
  readonly retries?: Retries;
  /** Told about each request when it is over (metrics, access log); none when absent or null. */
  readonly observer?: RequestObserver | null;
  /** Name of this listener in request records and metrics; the `proto` when absent. */
  readonly listener?: string;
  /** Scheme this listener serves, sent upstream as X-Forwarded-Proto. */
  readonly proto?: 'http' | 'https';
  /** Time allowed to connect to an upstream endpoint. */
  readonly connectTimeoutMs?: number;
  /** Time allowed for the upstream's response headers once the request is sent. */
  readonly responseHeadersTimeoutMs?: number;
  /** Longest gap between two upstream response body chunks; 0 turns it off. */
  readonly responseBodyTimeoutMs?: number;
  /** How long an idle upstream connection is kept for reuse. */
  readonly upstreamKeepAliveTimeoutMs?: number;
  /**
   * Largest request body in bytes, for routes without a `proxy-body-size` of their own; larger
   * ones get 413. 0 (the default): no limit.
   */
  readonly maxBodyBytes?: number;
  /**
   * IPs and CIDRs of proxies in front of this one: their X-Forwarded-* headers are kept, the
   * client address is read from their forwarded chain (`forwardedForHeader`), and their PROXY
   * protocol headers are believed (docs/client-address.md).
   */
  readonly trustedProxies?: readonly string[];
  /**
   * The header a trusted proxy names the client in (ingress-nginx's `forwarded-for-header`):
   * a comma-separated chain, walked from the right. Default `X-Forwarded-For`.
   */
  readonly forwardedForHeader?: string;
  /**
   * Every connection must open with a PROXY protocol header (v1 or v2), before TLS; one without
   * a valid header is closed (ingress-nginx's `use-proxy-protocol`). Only a trusted proxy's
   * header is believed. Needs `trustedProxies`. Default false.
   */
  readonly proxyProtocol?: boolean;
  /** Time a connection has to send its whole PROXY header (`proxy-protocol-header-timeout`). */
  readonly proxyProtocolTimeoutMs?: number;
  /** Largest request head (request line and headers) accepted, in bytes; larger ones get 431. */
  readonly maxHeaderSize?: number;
  /** Time a client has to send the whole request head (slowloris guard); 408 after. */
  readonly headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included; 0 turns it off. */
  readonly requestTimeoutMs?: number;
  /** How long an idle client keep-alive connection is kept open. */
  readonly keepAliveTimeoutMs?: number;
  /**
   * Most client connections open at once. At the limit a new connection closes the one that has
   * been idle longest; only when none is idle is the new one closed at once.
   */
  readonly maxConnections?: number;
  /**
   * Most connections open at once from one client address (an IPv6 client: its /64); further
   * ones are closed at once. Trusted proxies are exempt. Default: a tenth of `maxConnections`,
   * at least 1 (see {@link defaultMaxConnectionsPerClient}).
   */
  readonly maxConnectionsPerClient?: number;
  /**
   * An upgraded connection (WebSocket and other tunnels) that carries no byte either way for this
   * long is closed, both sides; 0 turns it off. A route's `proxy-read-timeout` takes its place
   * for the route's tunnels.
   */
  readonly tunnelIdleTimeoutMs?: number;
  /**
   * Serve HTTPS with these TLS options (certificates by SNI, versions, ciphers, ALPN); `proto`
   * must then be `https`. Plain HTTP when null.
   */
  readonly tls?: TlsOptions | null;
  /** HTTPS only: the Strict-Transport-Security value added to every response; '' for none. */
  readonly hsts?: string;
  /**
   * Plain HTTP only: the port named in redirects to HTTPS (left out of the URL when 443). Read
   * on each redirect, like `tables`, so its owner can fill in a port bound later. Default 443.
   */
  readonly httpsRedirect?: { readonly port: number };
  /**
   * Serve HTTP/2 as well as HTTP/1.1 on this listener: with TLS, `h2` offered by ALPN; without,
   * h2c from clients with prior knowledge (a connection that opens with the HTTP/2 preface).
   * Default false.
   */
  readonly http2?: boolean;
}

/** The settings of {@link ProxyOptions} that have defaults. */
export type ProxySettings = Required<
  Omit<
    ProxyOptions,
    | 'tables'
    | 'logger'
    | 'balancer'
    | 'resilience'
    | 'limits'
    | 'sessionCookieKey'
    | 'trustedProxies'
    | 'observer'
    | 'listener'
  >
> & { readonly trustedProxies: readonly string[] };

/** Defaults of {@link ProxyOptions}, for the CLI's --help. */
export const PROXY_DEFAULTS: ProxySettings = Object.freeze({
  proto: 'http',
  connectTimeoutMs: 5_000,
  retries: DEFAULT_RETRIES,
  responseHeadersTimeoutMs: 60_000,
  responseBodyTimeoutMs: 60_000,
  upstreamKeepAliveTimeoutMs: 4_000,
  // ingress-nginx's ConfigMap says 1m; pointsman sets no limit unless asked (docs/annotations.md).
  maxBodyBytes: 0,
  trustedProxies: Object.freeze([]),
  forwardedForHeader: 'X-Forwarded-For',
  proxyProtocol: false,
  // ingress-nginx's proxy-protocol-header-timeout.
  proxyProtocolTimeoutMs: 5_000,
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 10_000,
  // Node's own default: long enough for big uploads, short enough to end stalled bodies.
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 60_000,
  maxConnections: 10_000,
  maxConnectionsPerClient: defaultMaxConnectionsPerClient(10_000),
  // ingress-nginx's proxy-read-timeout and proxy-send-timeout, which bound its tunnels too.
  tunnelIdleTimeoutMs: 60_000,
  tls: null,
  hsts: 'max-age=31536000',
  httpsRedirect: Object.freeze({ port: 443 }),
  http2: false,
});

/** Fills in defaults; the default per-client limit follows the `maxConnections` given. */
export function proxySettings(options: ProxyOptions): ProxySettings {
  const settings: Record<string, unknown> = { ...PROXY_DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    if (key in PROXY_DEFAULTS && value !== undefined) settings[key] = value;
  }
  if (options.maxConnectionsPerClient === undefined && options.maxConnections !== undefined) {
    settings['maxConnectionsPerClient'] = defaultMaxConnectionsPerClient(options.maxConnections);
  }
  return settings as unknown as ProxySettings;
}

/**
 * A tenth of the connection limit, at least 1. One address can then hold no more than a tenth of
 * the slots, so filling them takes ten addresses (ten /64s with IPv6), and even then new clients
 * are served, since idle connections make way. A tenth of the default (1,000) is still far more
 * than a browser opens per site (6) times the users one NAT address usually hides; a proxy
 * whose clients all come through a load balancer lists it in `trustedProxies` instead.
 */
export function defaultMaxConnectionsPerClient(maxConnections: number): number {
  if (!Number.isSafeInteger(maxConnections)) return 1;
  return Math.max(1, Math.floor(maxConnections / 10));
}

const POSITIVE = [
  'connectTimeoutMs',
  'responseHeadersTimeoutMs',
  'headersTimeoutMs',
  'proxyProtocolTimeoutMs',
] as const;
const NON_NEGATIVE = [
  'responseBodyTimeoutMs',
  'upstreamKeepAliveTimeoutMs',
  'requestTimeoutMs',
  'keepAliveTimeoutMs',
  'tunnelIdleTimeoutMs',
  'maxBodyBytes',
] as const;

/**
 * Checks settings and returns one message per problem (empty when all is well), so the CLI can
 * report every bad flag at once. {@link createProxy} refuses settings with problems.
 */
export function validateProxySettings(settings: ProxySettings): string[] {
  const problems: string[] = [];
  for (const key of POSITIVE) {
    if (!isInteger(settings[key], 1)) problems.push(`${key} must be a positive integer`);
  }
  for (const key of NON_NEGATIVE) {
    if (!isInteger(settings[key], 0)) problems.push(`${key} must be an integer >= 0`);
  }
  if (!isInteger(settings.maxHeaderSize, 1024)) {
    problems.push('maxHeaderSize must be an integer >= 1024');
  }
  if (!isInteger(settings.maxConnections, 1)) {
    problems.push('maxConnections must be a positive integer');
  }
  if (!isInteger(settings.maxConnectionsPerClient, 1)) {
    problems.push('maxConnectionsPerClient must be a positive integer');
  }
  // Options may come from flags or files, whatever their static type says.
  const proto: string = settings.proto;
  if (proto !== 'http' && proto !== 'https') {
    problems.push('proto must be http or https');
  }
  if (settings.tls !== null && proto !== 'https') problems.push('tls needs proto https');
  const redirectPort = settings.httpsRedirect.port;
  if (!isInteger(redirectPort, 1) || redirectPort > 65535) {
    problems.push('httpsRedirect.port must be a port number from 1 to 65535');
  }
  // A header value: printable ASCII only, so it can never split the response head.
  if (!/^[\x20-\x7e]*$/.test(settings.hsts)) problems.push('hsts must be printable ASCII');
  if (settings.requestTimeoutMs > 0 && settings.headersTimeoutMs > settings.requestTimeoutMs) {
    problems.push('headersTimeoutMs must not exceed requestTimeoutMs');
  }
  problems.push(...parseTrustedProxies(settings.trustedProxies).problems);
  // An HTTP field name (RFC 9110 token), and not one the proxy rewrites for every request.
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(settings.forwardedForHeader)) {
    problems.push('forwardedForHeader must be a header name');
  }
  // With nobody trusted, every header would be read and then disbelieved: surely a mistake.
  if (settings.proxyProtocol && settings.trustedProxies.length === 0) {
    problems.push(
      'proxyProtocol needs trustedProxies: the balancers whose PROXY headers to believe',
    );
  }
  return problems;
}

function isInteger(value: number, min: number): boolean {
  return Number.isSafeInteger(value) && value >= min;
}
