import type { Duplex } from 'node:stream';
import type { ProxyErrorCode } from '../errors.ts';
import { ignoreError, type ProxyContext } from './context.ts';
import { rawErrorResponse } from './error-response.ts';
import { logProxyError } from './log-error.ts';
import { requestIdFor } from './request-id.ts';

// After an error answer the socket is half-closed; the client gets this long to read it and
// hang up before the connection is cut (cutting at once could lose the answer to a reset).
const LINGER_MS = 2_000;

/** The code for an error Node's HTTP parser or its timers raised on a client connection. */
export function clientErrorCode(error: Error): ProxyErrorCode | null {
  const code = (error as { code?: unknown }).code;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return null;
  if (code === 'HPE_HEADER_OVERFLOW') return 'PM_ERR_HEADERS_TOO_LARGE';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADERS_TIMEOUT') {
    return 'PM_ERR_CLIENT_TIMEOUT';
  }
  return 'PM_ERR_BAD_REQUEST';
}

/**
 * The server's 'clientError' listener: answers malformed or timed-out requests with a coded
 * error written straight to the socket, when that cannot corrupt a response already under
 * way, and closes the connection.
 */
export function createClientErrorHandler(
  context: ProxyContext,
): (error: Error, socket: Duplex) => void {
  return (error, socket) => {
    socket.on('error', ignoreError);
    const code = clientErrorCode(error);
    if (code === null || !socket.writable || socket.writableEnded || responseUnderWay(socket)) {
      socket.destroy();
      return;
    }
    const requestId = requestIdFor(undefined);
    logProxyError(context.logger, code, { requestId, error });
    socket.end(rawErrorResponse(code, requestId, undefined));
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
    });
  };
}

/**
 * Node keeps the response being written on a connection as `_httpMessage`; once its head has
 * gone out, an error answer would corrupt the stream. Node's own default handler checks the
 * same two fields.
 */
function responseUnderWay(socket: Duplex): boolean {
  const message = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return message?.headersSent === true;
}
