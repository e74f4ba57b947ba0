import type { ServerResponse } from 'node:http';
import type { Json } from './json.ts';
import type { KubeStatus } from './status.ts';

/** What a handler answers: JSON, or bytes of a given content type. */
export type Reply =
  | { readonly code: number; readonly body: Json }
  | { readonly code: number; readonly bytes: Uint8Array; readonly contentType: string };

/** A JSON reply. */
export function json(code: number, body: Json): Reply {
  return { code, body };
}

/** A Status reply; its code is the HTTP status. */
export function statusReply(status: KubeStatus): Reply {
  return { code: status.code, body: status };
}

/** Writes a reply (unless the response is already answered or gone). */
export function send(response: ServerResponse, reply: Reply): void {
  if (response.headersSent || response.destroyed) return;
  const body = 'bytes' in reply ? reply.bytes : Buffer.from(JSON.stringify(reply.body));
  const contentType = 'bytes' in reply ? reply.contentType : 'application/json';
  response.writeHead(reply.code, {
    'content-type': contentType,
    'content-length': body.length,
    'cache-control': 'no-cache, private',
  });
  response.end(body);
}
