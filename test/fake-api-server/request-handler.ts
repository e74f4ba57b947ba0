import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from './context.ts';
import { dispatch } from './dispatch.ts';
import type { Hooks, RequestInfo } from './hooks.ts';
import { send, statusReply, type Reply } from './respond.ts';
import { parseRoute } from './route.ts';
import { failure } from './status.ts';

const UNAUTHENTICATED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/livez', '/readyz']);

function requestInfo(request: IncomingMessage): { info: RequestInfo; search: URLSearchParams } {
  const raw = request.url ?? '/';
  const at = raw.indexOf('?');
  const path = at < 0 ? raw : raw.slice(0, at);
  const search = new URLSearchParams(at < 0 ? '' : raw.slice(at + 1));
  const info: RequestInfo = {
    method: request.method ?? '',
    path,
    query: Object.fromEntries(search.entries()),
    contentType: request.headers['content-type'] ?? '',
  };
  return { info, search };
}

function authorized(request: IncomingMessage, token: string | undefined, path: string): boolean {
  if (token === undefined || UNAUTHENTICATED_PATHS.has(path)) return true;
  return request.headers.authorization === `Bearer ${token}`;
}

async function handle(
  context: ServerContext,
  hooks: Hooks,
  token: string | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  request.on('error', () => undefined);
  const { info, search } = requestInfo(request);
  const verdict = hooks.admit(info, response);
  if (verdict.hang) return;
  let reply: Reply | undefined;
  if (!authorized(request, token, info.path)) reply = statusReply(failure(401, 'Unauthorized'));
  else if (verdict.failWith !== undefined) {
    reply = statusReply(failure(verdict.failWith, `injected failure (${verdict.failWith})`));
  } else reply = await dispatch(context, request, response, parseRoute(info.path), search);
  if (reply) send(response, reply);
}

/**
 * The server's request listener: logs the request, applies the test hooks and the token check,
 * then answers by route. An unexpected exception becomes a 500 Status, never a crash.
 */
export function requestHandler(
  context: ServerContext,
  hooks: Hooks,
  token: string | undefined,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    handle(context, hooks, token, request, response).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (response.headersSent) response.destroy();
      else send(response, statusReply(failure(500, `fake API server error: ${message}`)));
    });
  };
}
