import { connectionTokens, isHopByHop } from './hop-by-hop.ts';
import type { RequestHead } from './request-head.ts';

/** Facts about one request that shape the headers sent upstream. */
export interface ForwardContext {
  /** The client's address as decideClient decided it ('' when unknown): sent as X-Real-IP. */
  readonly client: string;
  /**
   * The last hop (the peer, or the client its trusted PROXY header named), appended to
   * X-Forwarded-For; `client` when absent.
   */
  readonly hop?: string;
  /**
   * Whether the hop is a trusted proxy whose X-Forwarded-* headers are kept (its X-Forwarded-For
   * extended with its address); from anyone else they are replaced.
   */
  readonly trusted: boolean;
  readonly proto: string;
  /** The listener's local port. */
  readonly port: string;
  /** The Host to send: the client's, or the authority of an absolute-form target. */
  readonly host: string | undefined;
  /**
   * The Host to send instead (upstream-vhost); X-Forwarded-Host still carries `host`, as
   * ingress-nginx's does.
   */
  readonly upstreamHost?: string | undefined;
  /** An X-Forwarded-Prefix to send in place of the client's (x-forwarded-prefix). */
  readonly forwardedPrefix?: string | undefined;
  /**
   * The route's request header operations, applied to the client's headers that are kept:
   * Host and the forwarded headers the proxy sets are out of their reach.
   */
  readonly editRequest?: ((headers: string[]) => string[]) | undefined;
  readonly requestId: string;
  /** The Upgrade value to keep (with `Connection: upgrade`) when opening a tunnel. */
  readonly upgrade?: string;
  /**
   * Keep `TE: trailers` when the client sent it: for HTTP/2 upstreams, where it is the one TE
   * allowed, and gRPC servers expect it (RFC 9113 section 8.2.2).
   */
  readonly keepTeTrailers?: boolean;
}

const TE_TRAILERS = /(^|,)\s*trailers\s*(;|,|$)/i;

// Headers the proxy sets itself (the client's values are replaced or extended), and Expect,
// which Node has already answered with 100 Continue.
const SET_BY_PROXY: ReadonlySet<string> = new Set([
  'host',
  'expect',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-real-ip',
  'x-request-id',
  // What the client-certificate gate found (auth-tls-*): a backend must never read a client's
  // own copy, on any route, so they are dropped always and set only from a gate's grant.
  'ssl-client-verify',
  'ssl-client-subject-dn',
  'ssl-client-issuer-dn',
  'ssl-client-cert',
]);

/**
 * The request headers to send upstream, as a flat `[name, value, ...]` list: the client's
 * headers in their order minus hop-by-hop ones (and any Proxy-* header), then Host and the
 * forwarded headers. Content-Length is kept; other framing is left to the client library.
 */
export function forwardHeaders(
  raw: readonly string[],
  head: RequestHead,
  context: ForwardContext,
): string[] {
  const named = connectionTokens(head.connection);
  const out: string[] = [];
  let teTrailers = false;
  const host = context.upstreamHost ?? context.host;
  if (host !== undefined) out.push('host', host);
  const prefix = context.forwardedPrefix;
  const start = out.length;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (isHopByHop(lower) || SET_BY_PROXY.has(lower) || lower.startsWith('proxy-')) {
      if (lower === 'te' && TE_TRAILERS.test(raw[i + 1] as string)) teTrailers = true;
      continue;
    }
    if (named?.has(lower) === true) continue;
    if (prefix !== undefined && lower === 'x-forwarded-prefix') continue;
    out.push(name, raw[i + 1] as string);
  }
  if (context.editRequest !== undefined) out.push(...context.editRequest(out.splice(start)));
  if (prefix !== undefined) out.push('x-forwarded-prefix', prefix);
  if (teTrailers && context.keepTeTrailers === true) out.push('te', 'trailers');
  addForwarded(out, head, context);
  if (context.upgrade !== undefined) out.push('connection', 'upgrade', 'upgrade', context.upgrade);
  return out;
}

function addForwarded(out: string[], head: RequestHead, context: ForwardContext): void {
  const { client, trusted } = context;
  const hop = context.hop ?? client;
  // An untrusted client's chain is replaced, not extended: applications that read its first
  // entry would otherwise see whatever address the client wrote (ingress-nginx's default).
  let forwardedFor = trusted ? (head.forwardedFor ?? '') : '';
  if (hop !== '') forwardedFor = forwardedFor === '' ? hop : `${forwardedFor}, ${hop}`;
  if (forwardedFor !== '') out.push('x-forwarded-for', forwardedFor);
  const host = trusted ? (head.forwardedHost ?? context.host) : context.host;
  if (host !== undefined) out.push('x-forwarded-host', host);
  out.push('x-forwarded-proto', (trusted ? head.forwardedProto : undefined) ?? context.proto);
  out.push('x-forwarded-port', (trusted ? head.forwardedPort : undefined) ?? context.port);
  // The one decided address (ingress-nginx sends `$remote_addr`, which its realip module set).
  if (client !== '') out.push('x-real-ip', client);
  out.push('x-request-id', context.requestId);
}
