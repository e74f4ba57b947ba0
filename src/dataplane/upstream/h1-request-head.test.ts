import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { ProxyError } from '../errors.ts';
import { requestHead } from './h1-request-head.ts';
import type { UpstreamRequest } from './protocol.ts';

const AUTHORITY = '10.0.0.1:8080';

function request(overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return {
    method: 'GET',
    path: '/',
    headers: ['Host', 'shop.example.com'],
    body: null,
    ...overrides,
  };
}

function lines(text: string): string[] {
  assert.ok(text.endsWith('\r\n\r\n'), 'the head ends with an empty line');
  return text.slice(0, -4).split('\r\n');
}

function isBadRequest(error: unknown): boolean {
  assert.ok(error instanceof ProxyError, `a ProxyError, not ${String(error)}`);
  assert.equal(error.code, 'PM_ERR_BAD_REQUEST');
  return true;
}

function assertRefused(overrides: Partial<UpstreamRequest>, label: string): void {
  assert.throws(
    () => requestHead(request(overrides), AUTHORITY),
    (error: unknown) => isBadRequest(error),
    label,
  );
}

describe('framing', () => {
  test('a GET without a body has no Content-Length and no Transfer-Encoding', () => {
    const head = requestHead(
      request({ path: '/a/b?c=d&e', headers: ['Host', 'shop.example.com', 'Accept', '*/*'] }),
      AUTHORITY,
    );
    assert.equal(
      head.text,
      'GET /a/b?c=d&e HTTP/1.1\r\nHost: shop.example.com\r\nAccept: */*\r\n\r\n',
    );
    assert.equal(head.bodyLength, 0);
    assert.equal(head.closeAfter, false);
  });

  test('a client Content-Length on a request without a body is dropped', () => {
    const head = requestHead(
      request({ headers: ['Host', 'h', 'Content-Length', '0', 'X-A', '1'] }),
      AUTHORITY,
    );
    assert.equal(head.text, 'GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n');
    assert.equal(head.bodyLength, 0);
  });

  test('POST, PUT and PATCH without a body send content-length: 0', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'PROPFIND', 'PROPPATCH', 'QUERY']) {
      const head = requestHead(request({ method }), AUTHORITY);
      assert.equal(
        head.text,
        `${method} / HTTP/1.1\r\nHost: shop.example.com\r\ncontent-length: 0\r\n\r\n`,
        method,
      );
      assert.equal(head.bodyLength, 0, method);
      assert.equal(head.closeAfter, false, method);
    }
  });

  test('a body with a Content-Length is sent with that length, the header not repeated', () => {
    const head = requestHead(
      request({
        method: 'POST',
        headers: ['Host', 'h', 'Content-Length', '11', 'Content-Type', 'text/plain'],
        body: new PassThrough(),
      }),
      AUTHORITY,
    );
    assert.equal(
      head.text,
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\ncontent-length: 11\r\n\r\n',
    );
    assert.equal(head.bodyLength, 11);
    assert.equal(head.closeAfter, false);
    assert.equal(head.text.toLowerCase().split('content-length').length - 1, 1);
  });

  test('Content-Length is recognised in any case', () => {
    const head = requestHead(
      request({
        method: 'PUT',
        headers: ['CONTENT-LENGTH', '0', 'Host', 'h'],
        body: new PassThrough(),
      }),
      AUTHORITY,
    );
    assert.deepEqual(lines(head.text), ['PUT / HTTP/1.1', 'Host: h', 'content-length: 0']);
    assert.equal(head.bodyLength, 0);
  });

  test('a body without a Content-Length is sent chunked', () => {
    const head = requestHead(
      request({ method: 'PUT', headers: ['Host', 'h'], body: new PassThrough() }),
      AUTHORITY,
    );
    assert.equal(head.text, 'PUT / HTTP/1.1\r\nHost: h\r\ntransfer-encoding: chunked\r\n\r\n');
    assert.equal(head.bodyLength, -1);
    assert.equal(head.closeAfter, false);
  });

  test('a Transfer-Encoding header in the list is never copied', () => {
    for (const body of [null, new PassThrough()]) {
      const head = requestHead(
        request({
          method: 'POST',
          headers: [
            'Host',
            'h',
            'Transfer-Encoding',
            'gzip, chunked',
            'transfer-encoding',
            'chunked',
          ],
          body,
        }),
        AUTHORITY,
      );
      const fields = lines(head.text).slice(1);
      assert.deepEqual(
        fields,
        body === null
          ? ['Host: h', 'content-length: 0']
          : ['Host: h', 'transfer-encoding: chunked'],
      );
    }
    const withLength = requestHead(
      request({
        method: 'POST',
        headers: ['Transfer-Encoding', 'chunked', 'Content-Length', '3', 'Host', 'h'],
        body: new PassThrough(),
      }),
      AUTHORITY,
    );
    assert.deepEqual(lines(withLength.text), ['POST / HTTP/1.1', 'Host: h', 'content-length: 3']);
    assert.equal(withLength.bodyLength, 3);
  });

  test('a body on a method that defines none closes the connection after it', () => {
    for (const method of ['GET', 'DELETE', 'OPTIONS']) {
      const chunked = requestHead(request({ method, body: new PassThrough() }), AUTHORITY);
      assert.equal(chunked.closeAfter, true, method);
      assert.equal(chunked.bodyLength, -1, method);
      const sized = requestHead(
        request({ method, headers: ['Host', 'h', 'Content-Length', '2'], body: new PassThrough() }),
        AUTHORITY,
      );
      assert.equal(sized.closeAfter, true, method);
      assert.deepEqual(lines(sized.text), [`${method} / HTTP/1.1`, 'Host: h', 'content-length: 2']);
    }
    assert.equal(
      requestHead(request({ method: 'POST', body: new PassThrough() }), AUTHORITY).closeAfter,
      false,
    );
  });
});

describe('Host', () => {
  test('a request without Host gets the authority, after its own fields', () => {
    const head = requestHead(request({ headers: ['Accept', '*/*'] }), AUTHORITY);
    assert.equal(head.text, `GET / HTTP/1.1\r\nAccept: */*\r\nhost: ${AUTHORITY}\r\n\r\n`);
    const none = requestHead(request({ headers: [] }), '[fd00::1]:80');
    assert.equal(none.text, 'GET / HTTP/1.1\r\nhost: [fd00::1]:80\r\n\r\n');
  });

  test('a request with Host, in any case, keeps its own and gets no second one', () => {
    for (const name of ['Host', 'host', 'HOST']) {
      const head = requestHead(
        request({ headers: ['X-A', '1', name, 'shop.example.com'] }),
        AUTHORITY,
      );
      assert.deepEqual(lines(head.text), ['GET / HTTP/1.1', 'X-A: 1', `${name}: shop.example.com`]);
    }
  });
});

describe('field names and values are copied as given', () => {
  test('order, case, repeats, tabs, inner spaces and obs-text are kept', () => {
    const head = requestHead(
      request({
        headers: [
          'Host',
          'h',
          'X-Dup',
          'a',
          'x-dup',
          'b',
          'X-Tab',
          'a\tb  c',
          'X-Latin',
          'caf\xe9 \xff',
          'X-Empty',
          '',
          "!#$%&'*+-.^_`|~",
          'token-name',
        ],
      }),
      AUTHORITY,
    );
    assert.deepEqual(lines(head.text), [
      'GET / HTTP/1.1',
      'Host: h',
      'X-Dup: a',
      'x-dup: b',
      'X-Tab: a\tb  c',
      'X-Latin: caf\xe9 \xff',
      'X-Empty: ',
      "!#$%&'*+-.^_`|~: token-name",
    ]);
  });

  test('a request target of visible ASCII is sent as given', () => {
    for (const path of ['*', '/p?q=%20&r=[1]', 'http://a.example/x', '/~user/a;b,c']) {
      assert.equal(
        requestHead(request({ method: 'OPTIONS', path }), AUTHORITY).text.split('\r\n')[0],
        `OPTIONS ${path} HTTP/1.1`,
      );
    }
  });
});

describe('refusals: PM_ERR_BAD_REQUEST', () => {
  test('CR, LF or NUL in a header value', () => {
    for (const value of [
      'a\rb',
      'a\nb',
      'a\r\nX-Injected: 1',
      'a\0b',
      '\r\n',
      'a\x01b',
      'a\x7fb',
    ]) {
      assertRefused({ headers: ['Host', 'h', 'X-A', value] }, JSON.stringify(value));
    }
  });

  test('a value with a character above 0xFF', () => {
    for (const value of ['\u0100', 'caf\u00e9\u20ac', 'smile \u{1f600}', '\u010d\u010a']) {
      assertRefused({ headers: ['Host', 'h', 'X-A', value] }, JSON.stringify(value));
    }
    // Host is checked like any other field.
    assertRefused({ headers: ['Host', 'h\u0100'] }, 'host');
  });

  test('a header name that is not a token', () => {
    for (const name of [
      'X A',
      'X-A:',
      'X:A',
      '',
      'X\r\nY',
      'X\0',
      'caf\xe9',
      '(x)',
      'a"b',
      'X\t',
    ]) {
      assertRefused({ headers: ['Host', 'h', name, 'v'] }, JSON.stringify(name));
    }
  });

  test('a method that is not a token', () => {
    for (const method of ['', 'GET ', 'G ET', 'GET\r\nX: y', 'GET\0', 'G\xc9T', 'GET/1', '(GET)']) {
      assertRefused({ method }, JSON.stringify(method));
    }
  });

  test('a path with a space, a control character or a non-ASCII character, or empty', () => {
    for (const path of [
      '',
      '/a b',
      '/a\tb',
      '/a\r\nX-Injected: 1',
      '/a\nb',
      '/a\0',
      '/a\x7f',
      '/caf\xe9',
      '/\u20ac',
      ' /',
    ]) {
      assertRefused({ path }, JSON.stringify(path));
    }
  });

  test('a Content-Length that is not a decimal number, with or without a body', () => {
    for (const value of ['abc', '-1', '+1', '1.5', ' 1', '1,1', '', '1234567890123456']) {
      assertRefused({ method: 'POST', headers: ['Content-Length', value] }, JSON.stringify(value));
      assertRefused(
        { method: 'POST', headers: ['Content-Length', value], body: new PassThrough() },
        JSON.stringify(value),
      );
    }
  });
});
