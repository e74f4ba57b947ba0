import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { rawErrorResponse, renderErrorBody, sendError } from './error-response.ts';

test('JSON when asked for JSON', () => {
  const { contentType, body } = renderErrorBody('PM_ERR_NO_ENDPOINTS', 'r1', 'application/json');
  assert.equal(contentType, 'application/json');
  assert.deepEqual(JSON.parse(body), {
    error: {
      code: 'PM_ERR_NO_ENDPOINTS',
      status: 503,
      message: 'The backend Service has no ready endpoint.',
      requestId: 'r1',
    },
  });
  assert.equal(
    renderErrorBody('PM_ERR_NO_ROUTE', 'r', 'application/problem+json').contentType,
    'application/json',
  );
});

test('HTML for browsers, escaped', () => {
  const { contentType, body } = renderErrorBody('PM_ERR_NO_ROUTE', '<b>&"\'', 'text/html');
  assert.match(contentType, /^text\/html/);
  assert.match(body, /<title>404 Not Found<\/title>/);
  assert.match(body, /&lt;b&gt;&amp;&quot;&#39;/);
  assert.doesNotMatch(body, /<b>/);
});

test('plain text otherwise', () => {
  const { contentType, body } = renderErrorBody('PM_ERR_UPSTREAM_TIMEOUT', 'r', undefined);
  assert.match(contentType, /^text\/plain/);
  assert.equal(
    body,
    '504 Gateway Timeout: The upstream did not send its response headers (or the next body bytes) in time.\n' +
      'code: PM_ERR_UPSTREAM_TIMEOUT\nrequest: r\n',
  );
});

test('a raw response is complete HTTP/1.1 with a matching Content-Length', () => {
  const text = rawErrorResponse('PM_ERR_HEADERS_TOO_LARGE', 'r', undefined);
  const [head = '', body = ''] = text.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.match(head, /\r\nx-pointsman-error: PM_ERR_HEADERS_TOO_LARGE\r\n/);
  assert.match(head, /\r\nconnection: close(\r\n|$)/);
  assert.match(head, new RegExp(`\\r\\ncontent-length: ${Buffer.byteLength(body)}\\r\\n`));
});

test('a 405 says which methods are allowed, raw and through a response', () => {
  const head = rawErrorResponse('PM_ERR_METHOD_NOT_ALLOWED', 'r', undefined).split('\r\n\r\n')[0];
  assert.match(head ?? '', /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
  assert.match(head ?? '', /\r\nallow: GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS\r\n/);
  assert.doesNotMatch(rawErrorResponse('PM_ERR_BAD_REQUEST', 'r', undefined), /\r\nallow:/);
  const written: (readonly string[])[] = [];
  const res = {
    headersSent: false,
    destroyed: false,
    writeHead: (_status: number, headers: readonly string[]) => written.push(headers),
    end: () => undefined,
  };
  sendError(res as unknown as ServerResponse, 'PM_ERR_METHOD_NOT_ALLOWED', 'r', undefined, false);
  const headers = written[0] ?? [];
  assert.equal(
    headers[headers.indexOf('allow') + 1],
    'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS',
  );
});

/** The body kind renderErrorBody picks for an Accept header, read off its content type. */
function kindFor(accept: string | undefined): string {
  const { contentType } = renderErrorBody('PM_ERR_NO_ROUTE', 'r', accept);
  return /^(?:text\/)?(html|plain|application\/json)/.exec(contentType)?.[1] ?? contentType;
}

test('the Accept q-values pick the body, not substrings', () => {
  const cases: readonly (readonly [string | undefined, string])[] = [
    [undefined, 'plain'],
    ['', 'plain'],
    ['text/html', 'html'],
    ['TEXT/HTML', 'html'],
    ['application/json', 'application/json'],
    ['application/vnd.api+json; charset=utf-8', 'application/json'],
    // q=0 means "not acceptable", however the range is spelled.
    ['text/html;q=0', 'plain'],
    ['text/html; q=0.000', 'plain'],
    ['text/html;q=0, application/json', 'application/json'],
    ['application/json, text/html;q=0.1', 'application/json'],
    ['text/html;q=0.5, application/json;q=0.9', 'application/json'],
    ['application/json;q=0.4, text/html;q=0.5', 'html'],
    ['text/plain;q=0.9, text/html;q=0.2, application/json;q=0.3', 'plain'],
    // What browsers send.
    [
      'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
      'html',
    ],
    // Wildcards: alone they keep the plain default (curl, fetch); they lose to named types.
    ['*/*', 'plain'],
    ['text/*', 'plain'],
    ['application/*', 'application/json'],
    ['*/*;q=0.1, text/html', 'html'],
    ['*/*;q=0.1, application/json', 'application/json'],
    // The most specific range decides a kind's quality, even below a wildcard's.
    ['text/html;q=0, */*', 'plain'],
    ['application/json;q=0, text/plain;q=0, */*', 'html'],
    ['text/*;q=0.2, text/html;q=0.9', 'html'],
    // Equal qualities: the richest named form, in the order html, json, text.
    ['application/json, text/plain, */*', 'application/json'],
    ['text/plain, text/html', 'html'],
    // Nothing acceptable, or nothing we make: plain text anyway.
    ['image/png', 'plain'],
    ['*/*;q=0', 'plain'],
    // Malformed weights and ranges are skipped, not trusted.
    ['text/html;q=2, application/json', 'application/json'],
    ['text/html;q=high', 'plain'],
    ['html, application/json;q=0.5', 'application/json'],
  ];
  for (const [accept, kind] of cases) {
    assert.equal(kindFor(accept), kind, `Accept: ${String(accept)}`);
  }
});

test('only the first 64 Accept entries are read', () => {
  const filler = Array.from({ length: 64 }, () => 'image/png').join(', ');
  assert.equal(kindFor(`${filler}, text/html`), 'plain');
  assert.equal(kindFor(`text/html, ${filler}`), 'html');
  const huge = `${'x'.repeat(100_000)}/y, ${filler}, application/json`;
  assert.equal(kindFor(huge), 'plain');
});
