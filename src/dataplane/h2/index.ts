/** HTTP/2 from clients: h2 over TLS by ALPN and h2c with prior knowledge, on the HTTP/1.1 ports. */
export {
  acceptHttp2,
  http2SideOf,
  type AcceptHttp2Options,
  type Http2Side,
} from './accept-http2.ts';
export { HTTP2_PREFACE, sniffPreface, type SniffResult } from './preface-sniffer.ts';
export { adaptExchange, http1RawHeaders, type ConnectionFacts } from './compat-exchange.ts';
