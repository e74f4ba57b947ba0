import { PROXY_DEFAULTS, type ProxyOptions } from '../dataplane/index.ts';
import { parseDuration } from './duration.ts';
import { UsageError } from './io.ts';

/** The flags of `serve` that decide the client address (docs/client-address.md). */
export const CLIENT_ADDRESS_FLAGS = {
  'forwarded-for-header': { type: 'string' },
  'proxy-protocol': { type: 'string' },
  'proxy-protocol-header-timeout': { type: 'string' },
} as const;

/** Help lines of {@link CLIENT_ADDRESS_FLAGS}. */
export const CLIENT_ADDRESS_FLAGS_HELP = `      --forwarded-for-header NAME header a trusted proxy names the client in, walked from the
                                  right (default: X-Forwarded-For; e.g. CF-Connecting-IP)
      --proxy-protocol LISTENERS  listeners (http, https, or http,https) whose connections must
                                  open with a PROXY protocol v1/v2 header; needs --trusted-proxies
                                  (default: none)
      --proxy-protocol-header-timeout DUR
                                  time to send the PROXY header, else closed (default: 5s)`;

/** The listeners that expect PROXY headers, for the HTTP and HTTPS proxies. */
export interface ProxyProtocolListeners {
  readonly http: boolean;
  readonly https: boolean;
}

/** The client-address settings given by the flags: shared ones, and the PROXY listeners. */
export function clientAddressSettingsFrom(values: {
  readonly 'forwarded-for-header'?: string | undefined;
  readonly 'proxy-protocol'?: string | undefined;
  readonly 'proxy-protocol-header-timeout'?: string | undefined;
}): {
  readonly proxy: Pick<ProxyOptions, 'forwardedForHeader' | 'proxyProtocolTimeoutMs'>;
  readonly proxyProtocol: ProxyProtocolListeners;
} {
  const header = values['forwarded-for-header']?.trim();
  if (header !== undefined && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(header)) {
    throw new UsageError(
      `--forwarded-for-header must be a header name, not ${JSON.stringify(header)}`,
    );
  }
  const listeners = (values['proxy-protocol'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of listeners) {
    if (name !== 'http' && name !== 'https') {
      throw new UsageError(
        `--proxy-protocol takes http, https or http,https, not ${JSON.stringify(name)}`,
      );
    }
  }
  if (values['proxy-protocol'] !== undefined && listeners.length === 0) {
    throw new UsageError('--proxy-protocol takes http, https or http,https');
  }
  const timeout = values['proxy-protocol-header-timeout'];
  return {
    proxy: {
      forwardedForHeader: header ?? PROXY_DEFAULTS.forwardedForHeader,
      proxyProtocolTimeoutMs:
        timeout === undefined
          ? PROXY_DEFAULTS.proxyProtocolTimeoutMs
          : parseDuration('proxy-protocol-header-timeout', timeout),
    },
    proxyProtocol: { http: listeners.includes('http'), https: listeners.includes('https') },
  };
}
