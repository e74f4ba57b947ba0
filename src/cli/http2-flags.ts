import type { ProxyOptions } from '../dataplane/index.ts';

/** The HTTP/2 flags of `serve`. HTTPS always offers HTTP/2 by ALPN; these are for plain HTTP. */
export const HTTP2_FLAGS = {
  h2c: { type: 'boolean' },
} as const;

/** Help lines of {@link HTTP2_FLAGS}. */
export const HTTP2_FLAGS_HELP = `      --h2c                       also serve cleartext HTTP/2 (h2c, prior knowledge) on the HTTP
                                  port, beside HTTP/1.1 (default: off; HTTPS offers h2 always)`;

/** The plain-HTTP proxy's HTTP/2 setting from the flags. */
export function http2SettingsFrom(values: {
  readonly h2c?: boolean | undefined;
}): Pick<ProxyOptions, 'http2'> {
  return { http2: values.h2c ?? false };
}
