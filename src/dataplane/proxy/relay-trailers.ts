import type { ServerResponse } from 'node:http';
import { forwardableTrailers, type TrailerFields } from '../upstream/index.ts';

/**
 * Passes an upstream's response trailers to the client, before the response ends: as HTTP/2
 * trailers (gRPC's `grpc-status`), or in the last chunk of a chunked HTTP/1.1 response (Node
 * drops them from a response with a Content-Length, which has no place for them).
 */
export function relayTrailers(res: ServerResponse, trailers: TrailerFields | undefined): void {
  const fields = forwardableTrailers(trailers);
  if (fields === null) return;
  try {
    res.addTrailers(fields);
  } catch {
    // A value Node refuses to write is dropped; the body itself is complete.
  }
}
