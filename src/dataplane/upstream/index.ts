export { UpstreamPools, type UpstreamPoolOptions } from './pools.ts';
export { endpointKey, endpointOrigin } from './origin.ts';
export { classifyUpstreamError, type RetryRule, type UpstreamFailure } from './classify-error.ts';
