/** Trailer fields as Node and the HTTP/1.1 client give them: lower-case names, repeated ones as arrays. */
export type TrailerFields = Readonly<Record<string, string | readonly string[] | undefined>>;

// Fields that must not travel in a trailer section: message framing and routing (RFC 9110
// section 6.5.1), and what HTTP/2 forbids anywhere (RFC 9113 section 8.2.2). Node refuses the
// latter when it writes HTTP/2 trailers, from inside an event handler.
const NOT_IN_TRAILERS: ReadonlySet<string> = new Set([
  'connection',
  'content-length',
  'host',
  'http2-settings',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * The trailer fields to pass on (to the client, or to an HTTP/2 upstream): pseudo-headers,
 * framing and connection fields and names that are not tokens dropped. Null when none is left.
 */
export function forwardableTrailers(
  trailers: TrailerFields | null | undefined,
): Record<string, string | string[]> | null {
  if (trailers === null || trailers === undefined) return null;
  let out: Record<string, string | string[]> | null = null;
  for (const [name, value] of Object.entries(trailers)) {
    if (value === undefined || NOT_IN_TRAILERS.has(name) || !TOKEN.test(name)) continue;
    out ??= Object.create(null) as Record<string, string | string[]>;
    out[name] = typeof value === 'string' ? value : [...value];
  }
  return out;
}
