export { UpstreamPools, type UpstreamPoolOptions } from './pools.ts';
export { endpointKey, endpointOrigin } from './origin.ts';
export {
  CONNECTION_BROKEN,
  classifyUpstreamError,
  errorCode,
  type RetryRule,
  type UpstreamFailure,
} from './classify-error.ts';
export {
  CONNECT_CANCELLED,
  connectUpstream,
  type ConnectTracker,
  type TrackedConnect,
  type UpstreamConnectOptions,
} from './connect-upstream.ts';
export {
  HTTP_TARGET,
  poolKey,
  upstreamTarget,
  usesHttp2,
  withConnectTimeout,
  usesTls,
  type UpstreamController,
  type UpstreamDispatcher,
  type UpstreamHandler,
  type UpstreamRequest,
  type UpstreamTarget,
} from './protocol.ts';
export { H1Origin, ORIGIN_CLOSED, type H1OriginOptions } from './h1-origin.ts';
export { UPSTREAM_CLOSED } from './h1-connection.ts';
export { H2Origin, type H2OriginOptions } from './h2-origin.ts';
export { forwardableTrailers, type TrailerFields } from './trailers.ts';
export {
  timeConnect,
  UPSTREAM_CONNECT_CHANNEL,
  type UpstreamConnectMessage,
} from './connect-channel.ts';
