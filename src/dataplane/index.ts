export * from './compile/index.ts';
export { TableHolder, type TableHolderOptions } from './table-holder.ts';
export * from './tls/index.ts';
export * from './proxy/index.ts';
export { PROXY_ERRORS, ProxyError, statusOf, type ProxyErrorCode } from './errors.ts';
export { PolicyBalancer, RoundRobin, type Balancer } from './balancer/index.ts';
export {
  endpointKey,
  UPSTREAM_CONNECT_CHANNEL,
  type UpstreamConnectMessage,
} from './upstream/index.ts';
export * from './health/index.ts';
export {
  ADMITTED,
  LocalLimits,
  REFUSED_BY_CONNECTIONS,
  REFUSED_BY_RATE,
  type Admission,
  type HoldRequest,
  type LimitCounter,
  type LimitRelease,
  type NamedZone,
} from './policy/index.ts';
export { createServer as createHttpServer } from './node-http.ts';
