/** The framing headers of a request, as {@link RequestHead} gathers them. */
export interface FramingHeaders {
  /** All Transfer-Encoding values joined with commas. */
  readonly transferEncoding: string | undefined;
  readonly contentLength: string | undefined;
}

/** What {@link checkRequestFraming} decided: forward the request, or answer with this code. */
export type FramingVerdict = 'ok' | 'PM_ERR_BAD_REQUEST' | 'PM_ERR_UNSUPPORTED_TRANSFER_CODING';

/**
 * Whether a request's body framing can be trusted (RFC 9112 sections 6.1 and 6.3). The answer
 * is 400 when the body length cannot be determined: Transfer-Encoding with Content-Length, on an
 * HTTP/1.0 request, or with codings that do not end in exactly one `chunked`. A well framed
 * request with any other coding (`gzip, chunked`) is 501: the proxy would have to decode it,
 * and forwarding it re-chunked would silently drop the coding. Both answers close the
 * connection.
 *
 * Node's parser already refuses most bad framing on HTTP/1.1; this is checked again so that
 * request smuggling protection never depends on a parser setting, and because the parser lets
 * some through on upgrade requests (it does not read their body).
 */
export function checkRequestFraming(head: FramingHeaders, httpVersion: string): FramingVerdict {
  const value = head.transferEncoding;
  if (value === undefined) return 'ok';
  // Transfer-Encoding on HTTP/1.0 counts as faulty framing (RFC 9112 section 6.1): an HTTP/1.0
  // hop in front of the proxy may have ignored it and read the body another way.
  if (head.contentLength !== undefined || httpVersion === '1.0') return 'PM_ERR_BAD_REQUEST';
  // Empty list elements are ignored (RFC 9110 section 5.6.1). A coding with parameters is
  // compared whole, so `chunked;x=1` does not count as chunked (Node's parser refuses it too).
  const codings = value
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '');
  const chunked = codings.filter((coding) => coding === 'chunked').length;
  if (chunked !== 1 || codings.at(-1) !== 'chunked') return 'PM_ERR_BAD_REQUEST';
  return codings.length === 1 ? 'ok' : 'PM_ERR_UNSUPPORTED_TRANSFER_CODING';
}
