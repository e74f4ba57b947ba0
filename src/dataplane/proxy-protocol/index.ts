export {
  acceptProxyHeader,
  type AcceptProxyHeaderOptions,
  type ProxyHeader,
} from './accept-proxy-header.ts';
export { proxiedAddressOf, rememberProxiedAddress } from './proxied-address.ts';
export {
  PROXY_V1_MAX_BYTES,
  PROXY_V2_MAX_BYTES,
  PROXY_V2_SIGNATURE,
  readProxyHeader,
  type ProxyHeaderRead,
  type ProxySource,
} from './proxy-header.ts';
