export {
  createProxy,
  DEFAULT_CLOSE_GRACE_MS,
  type ListenOptions,
  type Proxy,
} from './create-proxy.ts';
export {
  PROXY_DEFAULTS,
  proxySettings,
  validateProxySettings,
  type ProxyOptions,
  type ProxySettings,
} from './options.ts';
export type { ProxyStats } from './connection-tracker.ts';
export { ERROR_HEADER } from './error-response.ts';
export { hstsValue, type HstsPolicy } from './hsts.ts';
export { RequestRecord, type RequestObserver } from './request-record.ts';
export { DEFAULT_RETRIES, type Retries } from './retry-policy.ts';
