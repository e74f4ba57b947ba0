import { STATUS_CODES, type ServerResponse } from 'node:http';
import { PROXY_ERRORS, type ProxyErrorCode } from '../errors.ts';

/** The header that carries the stable error code on every error answer. */
export const ERROR_HEADER = 'x-pointsman-error';

/** An error answer's body and its media type. */
export interface ErrorBody {
  readonly contentType: string;
  readonly body: string;
}

/**
 * A short error body in the form the client asked for: a tiny HTML page for browsers
 * (`text/html`), JSON for API clients (`application/json` or any `+json` type), plain text
 * otherwise. Only the fixed summary, the code and a sanitised request id are shown.
 */
export function renderErrorBody(
  code: ProxyErrorCode,
  requestId: string,
  accept: string | undefined,
): ErrorBody {
  const { status, summary } = PROXY_ERRORS[code];
  const title = `${status} ${statusText(status)}`;
  const kind = preferredKind(accept);
  if (kind === 'html') {
    const body =
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
      `</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(summary)}</p>` +
      `<p><small>${escapeHtml(code)} &middot; request ${escapeHtml(requestId)}</small></p>` +
      `</body></html>\n`;
    return { contentType: 'text/html; charset=utf-8', body };
  }
  if (kind === 'json') {
    const body = JSON.stringify({ error: { code, status, message: summary, requestId } }) + '\n';
    return { contentType: 'application/json', body };
  }
  const body = `${title}: ${summary}\ncode: ${code}\nrequest: ${requestId}\n`;
  return { contentType: 'text/plain; charset=utf-8', body };
}

/**
 * Answers a request with an error. When the response has already started nothing can be said
 * any more, so the connection is cut instead. `close` ends the connection after the answer
 * (for requests whose framing cannot be trusted, or while the proxy drains).
 */
export function sendError(
  res: ServerResponse,
  code: ProxyErrorCode,
  requestId: string,
  accept: string | undefined,
  close: boolean,
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const { contentType, body } = renderErrorBody(code, requestId, accept);
  const headers = [
    'content-type',
    contentType,
    'content-length',
    String(Buffer.byteLength(body)),
    'cache-control',
    'no-store',
    ERROR_HEADER,
    code,
    'x-request-id',
    requestId,
    'server',
    'pointsman',
  ];
  if (close) headers.push('connection', 'close');
  res.writeHead(PROXY_ERRORS[code].status, headers);
  res.end(body);
}

/**
 * A whole HTTP/1.1 error response as text, for sockets that have no ServerResponse (parse
 * errors, upgrades). It always closes the connection.
 */
export function rawErrorResponse(
  code: ProxyErrorCode,
  requestId: string,
  accept: string | undefined,
): string {
  const status = PROXY_ERRORS[code].status;
  const { contentType, body } = renderErrorBody(code, requestId, accept);
  return (
    `HTTP/1.1 ${status} ${statusText(status)}\r\n` +
    `content-type: ${contentType}\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `cache-control: no-store\r\n` +
    `${ERROR_HEADER}: ${code}\r\n` +
    `x-request-id: ${requestId}\r\n` +
    `date: ${new Date().toUTCString()}\r\n` +
    `server: pointsman\r\n` +
    `connection: close\r\n\r\n` +
    body
  );
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

function preferredKind(accept: string | undefined): 'html' | 'json' | 'text' {
  if (accept === undefined) return 'text';
  const lower = accept.toLowerCase();
  if (lower.includes('text/html')) return 'html';
  if (lower.includes('application/json') || lower.includes('+json')) return 'json';
  return 'text';
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
