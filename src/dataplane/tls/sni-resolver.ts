import type { SecureContext } from 'node:tls';

/** Picks the secure context for a handshake's server name (SNI). */
export interface SniResolver {
  /** The context for a server name: the exact host's, else the wildcard's, else the default. */
  resolve(servername: string): SecureContext;
  /** The default certificate's context. */
  readonly fallback: SecureContext;
}

/**
 * Builds a resolver from contexts by host (`foo.example.com` or `*.example.com`). A wildcard
 * covers exactly one label, as for routing: `*.example.com` serves `a.example.com`, not
 * `example.com` or `a.b.example.com`. Names are compared in lower case without a trailing dot.
 */
export function buildSniResolver(
  contexts: ReadonlyMap<string, SecureContext>,
  fallback: SecureContext,
): SniResolver {
  const exact = new Map<string, SecureContext>();
  const wildcard = new Map<string, SecureContext>();
  for (const [host, context] of contexts) {
    if (host.startsWith('*.')) wildcard.set(host.slice(2), context);
    else exact.set(host, context);
  }
  return {
    fallback,
    resolve(servername) {
      let name = servername.toLowerCase();
      if (name.endsWith('.')) name = name.slice(0, -1);
      const hit = exact.get(name);
      if (hit !== undefined) return hit;
      const dot = name.indexOf('.');
      if (dot <= 0 || wildcard.size === 0) return fallback;
      return wildcard.get(name.slice(dot + 1)) ?? fallback;
    },
  };
}
