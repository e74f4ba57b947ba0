import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from '../node-http.ts';
import { PROXY_ERRORS, type ProxyErrorCode } from '../errors.ts';
import { ALLOWED_METHODS } from './refused-methods.ts';

/** The header that carries the stable error code on every error answer. */
export const ERROR_HEADER = 'x-pointsman-error';

/** An error answer's body and its media type. */
export interface ErrorBody {
  readonly contentType: string;
  readonly body: string;
}

/**
 * A short error body in the form the client prefers by its `Accept` q-values: a tiny HTML page
 * for browsers (`text/html`), JSON for API clients (`application/json` or any `+json` type),
 * plain text otherwise (no Accept, only wildcards, or nothing acceptable). Only the fixed summary,
 * the code and a sanitised request id are shown.
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
 * (for requests whose framing cannot be trusted, or while the proxy drains). `extra` gives
 * another status than the code's (a configured limit status) and headers to add (such as
 * `WWW-Authenticate`).
 */
export function sendError(
  res: ServerResponse,
  code: ProxyErrorCode,
  requestId: string,
  accept: string | undefined,
  close: boolean,
  extra?: {
    readonly status?: number;
    readonly headers?: readonly (readonly [string, string])[];
  },
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
    ...headersOf(code).flat(),
  ];
  for (const [name, value] of extra?.headers ?? []) headers.push(name, value);
  if (close) headers.push('connection', 'close');
  res.writeHead(extra?.status ?? PROXY_ERRORS[code].status, headers);
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
  extra?: {
    readonly status?: number;
    readonly headers?: readonly (readonly [string, string])[];
  },
): string {
  const status = extra?.status ?? PROXY_ERRORS[code].status;
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
    [...headersOf(code), ...(extra?.headers ?? [])]
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    `connection: close\r\n\r\n` +
    body
  );
}

/**
 * Headers a status requires besides the common ones: a 405 must say which methods are allowed
 * (RFC 9110 section 15.5.6), whichever path (HTTP/1.1, HTTP/2, upgrade) sends it.
 */
function headersOf(code: ProxyErrorCode): readonly (readonly [string, string])[] {
  return PROXY_ERRORS[code].status === 405 ? [['allow', ALLOWED_METHODS]] : [];
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

type BodyKind = 'html' | 'json' | 'text';

/** How specifically a media range names a kind: any type, `type/*`, or the type itself. */
const ANY = 1;
const ANY_SUBTYPE = 2;
const EXACT = 3;

/** Only this many Accept entries are read, so a huge header costs no more than a normal one. */
const MAX_ACCEPT_ENTRIES = 64;

// An exact tie goes to the richest form a client named; a tie only wildcards decide goes to
// plain text, so `*/*` (curl, fetch) keeps getting the default.
const EXACT_TIE_ORDER: readonly BodyKind[] = ['html', 'json', 'text'];
const WILDCARD_TIE_ORDER: readonly BodyKind[] = ['text', 'html', 'json'];

/** The best match found so far for one kind: its specificity and quality. */
interface KindMatch {
  specificity: number;
  q: number;
}

/**
 * The body kind the client accepts most (RFC 9110 section 12.5.1): each kind takes the
 * quality of the most specific range that matches it, q=0 rules it out, the highest quality
 * wins. Ties go by specificity, then by the tie orders above; text when nothing is acceptable
 * (an error answer is sent regardless, as the RFC allows).
 */
function preferredKind(accept: string | undefined): BodyKind {
  if (accept === undefined) return 'text';
  const matches = new Map<BodyKind, KindMatch>();
  let start = 0;
  for (let entry = 0; entry < MAX_ACCEPT_ENTRIES && start <= accept.length; entry++) {
    const comma = accept.indexOf(',', start);
    const end = comma < 0 ? accept.length : comma;
    noteRange(accept.slice(start, end), matches);
    start = end + 1;
  }
  let best: BodyKind = 'text';
  let bestKey: readonly number[] = [0];
  for (const [kind, match] of matches) {
    if (match.q <= 0) continue;
    const order = match.specificity === EXACT ? EXACT_TIE_ORDER : WILDCARD_TIE_ORDER;
    const key = [match.q, match.specificity, -order.indexOf(kind)];
    if (isGreater(key, bestKey)) {
      best = kind;
      bestKey = key;
    }
  }
  return best;
}

/** Lexicographic comparison of two keys. */
function isGreater(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return false;
}

/** Records what one media range (`type/subtype;q=...`) says about each kind it matches. */
function noteRange(range: string, matches: Map<BodyKind, KindMatch>): void {
  const [mediaType = '', ...parameters] = range.split(';', 16);
  const slash = mediaType.indexOf('/');
  if (slash < 0) return;
  const type = mediaType.slice(0, slash).trim().toLowerCase();
  const subtype = mediaType
    .slice(slash + 1)
    .trim()
    .toLowerCase();
  const q = qualityOf(parameters);
  // A range with a weight that cannot be read says nothing trustworthy: it is skipped.
  if (q === null || type === '' || subtype === '') return;
  for (const kind of EXACT_TIE_ORDER) {
    const specificity = specificityFor(kind, type, subtype);
    if (specificity === 0) continue;
    const known = matches.get(kind);
    if (known === undefined || specificity > known.specificity) {
      matches.set(kind, { specificity, q });
    } else if (specificity === known.specificity) {
      known.q = Math.max(known.q, q);
    }
  }
}

/** How specifically `type/subtype` names `kind`; 0 when it does not match it at all. */
function specificityFor(kind: BodyKind, type: string, subtype: string): number {
  if (type === '*') return subtype === '*' ? ANY : 0;
  if (kind === 'json') {
    // A +json structured-syntax suffix (RFC 6839) is JSON whatever the top-level type.
    if (subtype === 'json' ? type === 'application' : subtype.endsWith('+json')) return EXACT;
    return type === 'application' && subtype === '*' ? ANY_SUBTYPE : 0;
  }
  if (type !== 'text') return 0;
  if (subtype === '*') return ANY_SUBTYPE;
  return subtype === (kind === 'html' ? 'html' : 'plain') ? EXACT : 0;
}

/** The `q` parameter (RFC 9110 section 12.4.2): 1 when absent, null when malformed. */
function qualityOf(parameters: readonly string[]): number | null {
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'q') continue;
    const value = parameter.slice(equals + 1).trim();
    return /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value) ? Number(value) : null;
  }
  return 1;
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
