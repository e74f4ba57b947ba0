import { ProxyError } from '../errors.ts';
import type { UpstreamRequest } from './protocol.ts';

/** A request's head as written on the connection, and how its body is framed. */
export interface RequestHead {
  /** Request line and header fields, ending with the empty line (latin1). */
  readonly text: string;
  /** The body's length from Content-Length; -1: chunked; 0: no body. */
  readonly bodyLength: number;
  /** The connection must not carry another request after this one. */
  readonly closeAfter: boolean;
}

// Methods whose requests carry a body by definition: they get `content-length: 0` without one.
const EXPECTS_PAYLOAD: ReadonlySet<string> = new Set([
  'PUT',
  'POST',
  'PATCH',
  'QUERY',
  'PROPFIND',
  'PROPPATCH',
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_TARGET = /[\0-\x20\x7f-\uffff]/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const DIGITS = /^\d{1,15}$/;

/**
 * The HTTP/1.1 head of `request` to an upstream. Framing is the proxy's own: a body of known
 * length (the client's Content-Length) is sent with it, any other body chunked; Transfer-Encoding
 * in the list is never copied. A request without Host gets `authority`. Every name and value is
 * checked, so that no string from a route or a client can end a line early (RFC 9112 section
 * 2.2): anything else throws a ProxyError PM_ERR_BAD_REQUEST and nothing is sent.
 */
export function requestHead(request: UpstreamRequest, authority: string): RequestHead {
  const { method, path, headers, body } = request;
  if (!TOKEN.test(method)) throw badRequest('the request method cannot be sent upstream');
  if (path === '' || BAD_TARGET.test(path)) {
    throw badRequest('the request target cannot be sent upstream');
  }
  let text = `${method} ${path} HTTP/1.1\r\n`;
  let host = false;
  let declared = -1;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string;
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) {
      throw badRequest(
        `the request header ${TOKEN.test(name) ? name : '(bad name)'} cannot be sent`,
      );
    }
    const lower =
      name.length === 4 || name.length === 14 || name.length === 17 ? name.toLowerCase() : '';
    if (lower === 'content-length') {
      if (!DIGITS.test(value)) throw badRequest('the request has an invalid Content-Length');
      declared = Number(value);
      continue;
    }
    if (lower === 'transfer-encoding') continue;
    if (lower === 'host') host = true;
    text += `${name}: ${value}\r\n`;
  }
  if (!host) text += `host: ${authority}\r\n`;
  const payload = EXPECTS_PAYLOAD.has(method);
  if (body === null) {
    return {
      text: payload ? `${text}content-length: 0\r\n\r\n` : `${text}\r\n`,
      bodyLength: 0,
      closeAfter: false,
    };
  }
  // A body on a method that defines none may confuse an upstream about where the next request
  // starts: the connection is not used again (as undici does).
  const closeAfter = !payload;
  if (declared >= 0) {
    return {
      text: `${text}content-length: ${String(declared)}\r\n\r\n`,
      bodyLength: declared,
      closeAfter,
    };
  }
  return { text: `${text}transfer-encoding: chunked\r\n\r\n`, bodyLength: -1, closeAfter };
}

function badRequest(message: string): ProxyError {
  return new ProxyError('PM_ERR_BAD_REQUEST', message);
}
