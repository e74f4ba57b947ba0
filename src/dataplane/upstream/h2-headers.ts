import type { OutgoingHttpHeaders } from 'node:http2';

// Connection-specific fields, which HTTP/2 forbids (RFC 9113 section 8.2.2); TE is allowed
// with the value `trailers` only.
const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  'connection',
  'http2-settings',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** What an HTTP/2 request head is made of, besides the forwarded header list. */
export interface H2RequestHead {
  readonly method: string;
  readonly path: string;
  readonly scheme: 'http' | 'https';
  /** Flat `[name, value, ...]` list, as forwardHeaders builds it. */
  readonly headers: readonly string[];
  /** `:authority` when the list has no Host (an HTTP/1.0 client): the endpoint. */
  readonly fallbackAuthority: string;
}

/**
 * The HTTP/2 header block of a request (RFC 9113 section 8.3.1): the pseudo-headers first,
 * Host as `:authority`, connection-specific fields left out, TE kept only as `trailers`, and
 * repeated Cookie fields joined with `; ` (section 8.2.3). Names are lower-cased.
 */
export function h2RequestHeaders(head: H2RequestHead): OutgoingHttpHeaders {
  const out = Object.create(null) as Record<string, string | string[]>;
  out[':method'] = head.method;
  out[':path'] = head.path;
  out[':scheme'] = head.scheme;
  out[':authority'] = head.fallbackAuthority;
  let authority: string | undefined;
  const { headers } = head;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = (headers[i] as string).toLowerCase();
    const value = headers[i + 1] as string;
    if (name === 'host') authority ??= value;
    else if (name === 'te') {
      if (value.trim().toLowerCase() === 'trailers') out['te'] = 'trailers';
    } else if (!CONNECTION_SPECIFIC.has(name) && !name.startsWith(':')) add(out, name, value);
  }
  if (authority !== undefined) out[':authority'] = authority;
  return out;
}

function add(out: Record<string, string | string[]>, name: string, value: string): void {
  const previous = out[name];
  if (previous === undefined) out[name] = value;
  else if (name === 'cookie') out[name] = `${String(previous)}; ${value}`;
  else if (typeof previous === 'string') out[name] = [previous, value];
  else previous.push(value);
}

/** A response or trailer header block without its pseudo-headers (`:status`). */
export function withoutPseudoHeaders(
  headers: Readonly<Record<string, unknown>>,
): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const name in headers) {
    const value = headers[name];
    if (name.startsWith(':')) continue;
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.map(String);
  }
  return out;
}
