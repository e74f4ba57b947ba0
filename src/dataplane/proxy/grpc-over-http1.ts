import type { IncomingMessage } from 'node:http';
import type { Backend } from '../../ir/index.ts';

const GRPC_CONTENT_TYPE = /^\s*application\/grpc(\+|;|\s*$)/i;

/**
 * True for a gRPC call that arrived over HTTP/1.x and is routed to a GRPC or GRPCS backend.
 * gRPC needs HTTP/2 end to end (its status travels in trailers, its calls stream both ways at
 * once), so such a call is refused with `PM_ERR_HTTP2_REQUIRED` rather than half-served.
 * gRPC-Web (`application/grpc-web`) is plain HTTP/1.1 and is not concerned.
 */
export function isGrpcOverHttp1(backend: Backend, req: IncomingMessage): boolean {
  if (backend.protocol !== 'GRPC' && backend.protocol !== 'GRPCS') return false;
  if (req.httpVersionMajor >= 2) return false;
  const type = req.headers['content-type'];
  return type !== undefined && GRPC_CONTENT_TYPE.test(type);
}
