import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProxyError } from '../errors.ts';
import {
  ResponseParser,
  type ResponseEvents,
  type ResponseFields,
  type ResponseHead,
} from './h1-response-parser.ts';

type Fields = Record<string, string | string[]>;

/** What the parser delivered, bodies joined, fields copied onto plain objects for comparison. */
type Event =
  | {
      readonly type: 'head';
      readonly status: number;
      readonly statusText: string;
      readonly headers: Fields;
      readonly keepAlive: boolean;
      readonly keepAliveHintMs: number | undefined;
    }
  | { readonly type: 'body'; data: string }
  | { readonly type: 'end'; readonly trailers: Fields | undefined };

class Recorder implements ResponseEvents {
  readonly events: Event[] = [];
  readonly heads: ResponseHead[] = [];
  readonly trailers: (ResponseFields | undefined)[] = [];
  /** Called after each event is recorded, with the parser still inside `execute`. */
  after: ((event: Event) => void) | undefined;

  onHead(head: ResponseHead): void {
    this.heads.push(head);
    this.#push({
      type: 'head',
      status: head.status,
      statusText: head.statusText,
      headers: { ...head.headers },
      keepAlive: head.keepAlive,
      keepAliveHintMs: head.keepAliveHintMs,
    });
  }

  onBody(chunk: Buffer): void {
    assert.ok(chunk.length > 0, 'no empty body pieces');
    const last = this.events.at(-1);
    if (last?.type === 'body') {
      last.data += chunk.toString('latin1');
      this.after?.(last);
    } else {
      this.#push({ type: 'body', data: chunk.toString('latin1') });
    }
  }

  onEnd(trailers: ResponseFields | undefined): void {
    this.trailers.push(trailers);
    this.#push({ type: 'end', trailers: trailers === undefined ? undefined : { ...trailers } });
  }

  #push(event: Event): void {
    this.events.push(event);
    this.after?.(event);
  }
}

const LIMITS = { maxHeadBytes: 1024 };

interface Parsed {
  readonly events: Event[];
  /** The sum of what `execute` returned: bytes that belong to no response. */
  readonly extra: number;
  readonly parser: ResponseParser;
  readonly recorder: Recorder;
}

/** A fresh parser expecting one response, fed `pieces` in order. */
function feed(
  pieces: readonly Buffer[],
  options: { noBody?: boolean; maxHeadBytes?: number } = {},
): Parsed {
  const recorder = new Recorder();
  const parser = new ResponseParser(recorder, {
    maxHeadBytes: options.maxHeadBytes ?? LIMITS.maxHeadBytes,
  });
  parser.expect(options.noBody ?? false);
  let extra = 0;
  for (const piece of pieces) extra += parser.execute(piece);
  return { events: recorder.events, extra, parser, recorder };
}

function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** Every way of cutting `data` in two, then one byte at a time. */
function* splits(data: Buffer): Generator<{ readonly label: string; readonly pieces: Buffer[] }> {
  for (let at = 1; at < data.length; at++) {
    yield { label: `split at ${String(at)}`, pieces: [data.subarray(0, at), data.subarray(at)] };
  }
  yield {
    label: 'byte by byte',
    pieces: Array.from(data, (_, i) => data.subarray(i, i + 1)),
  };
}

/** The same events and extra bytes whole and however the response is cut. */
function assertSplitInvariant(text: string, expected: readonly Event[], extra = 0): void {
  const data = bytes(text);
  const whole = feed([data]);
  assert.deepEqual(whole.events, expected, 'whole');
  assert.equal(whole.extra, extra, 'whole: extra bytes');
  for (const { label, pieces } of splits(data)) {
    const parsed = feed(pieces);
    assert.deepEqual(parsed.events, expected, label);
    assert.equal(parsed.extra, extra, `${label}: extra bytes`);
    assert.equal(parsed.parser.done, true, `${label}: done`);
  }
}

function isProtocolError(error: unknown): boolean {
  assert.ok(error instanceof ProxyError, `a ProxyError, not ${String(error)}`);
  assert.equal(error.code, 'PM_ERR_UPSTREAM_PROTOCOL');
  return true;
}

/**
 * `text` is refused with PM_ERR_UPSTREAM_PROTOCOL, whether it comes whole or one byte at a
 * time, and nothing of a refused response head reaches the events.
 */
function assertRefused(
  text: string,
  options: { noBody?: boolean; maxHeadBytes?: number } = {},
): void {
  const data = bytes(text);
  for (const pieces of [[data], Array.from(data, (_, i) => data.subarray(i, i + 1))]) {
    const recorder = new Recorder();
    const parser = new ResponseParser(recorder, {
      maxHeadBytes: options.maxHeadBytes ?? LIMITS.maxHeadBytes,
    });
    parser.expect(options.noBody ?? false);
    assert.throws(() => {
      for (const piece of pieces) parser.execute(piece);
    }, isProtocolError);
    assert.ok(
      !recorder.events.some((event) => event.type === 'end'),
      'a refused response never ends',
    );
  }
}

function head(
  status: number,
  statusText: string,
  headers: Fields,
  keepAlive = true,
  keepAliveHintMs?: number,
): Event {
  return { type: 'head', status, statusText, headers, keepAlive, keepAliveHintMs };
}

const END: Event = { type: 'end', trailers: undefined };

describe('response framing', () => {
  test('a Content-Length response gives the same events whole and split at every byte', () => {
    assertSplitInvariant(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world',
      [
        head(200, 'OK', { 'content-type': 'text/plain', 'content-length': '11' }),
        { type: 'body', data: 'hello world' },
        END,
      ],
    );
  });

  test('Content-Length: 0 ends the response with its head', () => {
    assertSplitInvariant('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', [
      head(200, 'OK', { 'content-length': '0' }),
      END,
    ]);
  });

  test('a chunked response without trailers gives the same events split at every byte', () => {
    assertSplitInvariant(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nB\r\n, big world\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n',
      [
        head(200, 'OK', { 'transfer-encoding': 'chunked' }),
        { type: 'body', data: 'hello, big worldabcdefghijklmnopqrstuvwxyz' },
        END,
      ],
    );
  });

  test('a chunked response with trailers gives them to onEnd, split at every byte', () => {
    assertSplitInvariant(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n\r\n3\r\nabc\r\n0\r\nX-Checksum: 900150983cd24fb0\r\nx-count:  3 \r\nX-Count: 4\r\n\r\n',
      [
        head(200, 'OK', { 'transfer-encoding': 'chunked', trailer: 'x-checksum' }),
        { type: 'body', data: 'abc' },
        { type: 'end', trailers: { 'x-checksum': '900150983cd24fb0', 'x-count': ['3', '4'] } },
      ],
    );
  });

  test('trailer fields have no prototype either', () => {
    const { recorder } = feed([
      bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n__proto__: t\r\n\r\n'),
    ]);
    const trailers = recorder.trailers[0];
    assert.ok(trailers !== undefined);
    assert.equal(Object.getPrototypeOf(trailers), null);
    assert.equal(trailers['__proto__'], 't');
  });

  test('chunk extensions are accepted and ignored, split at every byte', () => {
    assertSplitInvariant(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n4;name=value\r\nabcd\r\n2 ;quoted="a b;c"\r\nef\r\n0;last\r\n\r\n',
      [head(200, 'OK', { 'transfer-encoding': 'Chunked' }), { type: 'body', data: 'abcdef' }, END],
    );
  });

  test('a body without a length runs until finish(), and the connection is not kept', () => {
    const { events, parser } = feed([
      bytes('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst '),
      bytes('second'),
    ]);
    assert.deepEqual(events, [
      head(200, 'OK', { 'content-type': 'text/plain' }, false),
      { type: 'body', data: 'first second' },
    ]);
    assert.equal(parser.untilClose, true);
    assert.equal(parser.done, false);
    assert.equal(parser.finish(), true);
    assert.deepEqual(events.at(-1), END);
    assert.equal(parser.done, true);
    assert.equal(parser.untilClose, false);
  });

  test('finish() is false for a response cut short or not yet begun, true before any expect()', () => {
    assert.equal(
      feed([bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab')]).parser.finish(),
      false,
    );
    assert.equal(
      feed([bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab')]).parser.finish(),
      false,
    );
    assert.equal(feed([bytes('HTTP/1.1 200 OK\r\nContent-')]).parser.finish(), false);
    assert.equal(feed([]).parser.finish(), false);
    const parser = new ResponseParser(new Recorder(), LIMITS);
    assert.equal(parser.done, true);
    assert.equal(parser.finish(), true);
  });

  test('a HEAD response has no body whatever its head says; bytes after it are extra', () => {
    const { events, extra, parser } = feed(
      [bytes('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nunasked')],
      { noBody: true },
    );
    assert.deepEqual(events, [head(200, 'OK', { 'content-length': '100' }), END]);
    assert.equal(extra, 'unasked'.length);
    assert.equal(parser.done, true);
  });

  test('a HEAD response with Transfer-Encoding: chunked has no body either', () => {
    const { events, extra } = feed(
      [bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')],
      { noBody: true },
    );
    assert.deepEqual(events, [head(200, 'OK', { 'transfer-encoding': 'chunked' }), END]);
    assert.equal(extra, 0);
  });

  test('204 and 304 have no body, even with a length or chunked', () => {
    for (const status of ['204 No Content', '304 Not Modified']) {
      const { events, extra } = feed([bytes(`HTTP/1.1 ${status}\r\nContent-Length: 10\r\n\r\n`)]);
      assert.equal(events.length, 2, status);
      assert.deepEqual(events[1], END, status);
      assert.equal(extra, 0, status);
      const chunked = feed([
        bytes(`HTTP/1.1 ${status}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`),
      ]);
      assert.deepEqual(chunked.events[1], END, status);
      assert.equal(chunked.extra, 5, `${status}: a chunked body's bytes are extra`);
    }
    const { events } = feed([bytes('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n')]);
    assert.deepEqual(events, [head(304, 'Not Modified', { etag: '"x"' }), END]);
  });

  test('100 Continue and 103 Early Hints are skipped before the final response', () => {
    assertSplitInvariant(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
      [head(201, 'Created', { 'content-length': '2' }), { type: 'body', data: 'ok' }, END],
    );
  });

  test('101 Switching Protocols is refused: the proxy never asked to switch', () => {
    assertRefused(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n',
    );
  });

  test('a parser reads one response after another, each after expect()', () => {
    const recorder = new Recorder();
    const parser = new ResponseParser(recorder, LIMITS);
    parser.expect(false);
    assert.equal(parser.done, false);
    assert.equal(parser.execute(bytes('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na')), 0);
    assert.equal(parser.done, true);
    parser.expect(true);
    assert.equal(parser.execute(bytes('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n')), 0);
    parser.expect(false);
    assert.equal(
      parser.execute(
        bytes('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n'),
      ),
      0,
    );
    assert.deepEqual(recorder.events, [
      head(200, 'OK', { 'content-length': '1' }),
      { type: 'body', data: 'a' },
      END,
      head(200, 'OK', { 'content-length': '9' }),
      END,
      head(404, 'Not Found', { 'transfer-encoding': 'chunked' }),
      { type: 'body', data: 'b' },
      END,
    ]);
  });
});

describe('status line and header fields', () => {
  test('the reason phrase may be empty or absent, and may hold spaces and obs-text', () => {
    assert.deepEqual(
      feed([bytes('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n')]).events[0],
      head(200, '', { 'content-length': '0' }),
    );
    assert.deepEqual(
      feed([bytes('HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n')]).events[0],
      head(200, '', { 'content-length': '0' }),
    );
    assert.deepEqual(
      feed([bytes("HTTP/1.1 418 I'm a teapot \xe9\r\nContent-Length: 0\r\n\r\n")]).events[0],
      head(418, "I'm a teapot \xe9", { 'content-length': '0' }),
    );
  });

  test('repeated fields become arrays in order, names lower-cased, values trimmed of OWS only', () => {
    const { recorder } = feed([
      bytes(
        'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Mixed-Case:\t v \t\r\nset-cookie: b=2\r\nSET-COOKIE: c=3\r\nX-Nbsp: \xa0kept\xa0\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n',
      ),
    ]);
    const headers = recorder.heads[0]?.headers;
    assert.ok(headers !== undefined);
    assert.deepEqual(
      { ...headers },
      {
        'set-cookie': ['a=1', 'b=2', 'c=3'],
        'x-mixed-case': 'v',
        'x-nbsp': '\xa0kept\xa0',
        'x-empty': '',
        'content-length': '0',
      },
    );
  });

  test('a __proto__ header is a plain field, and the fields have no prototype', () => {
    const { recorder } = feed([
      bytes(
        'HTTP/1.1 200 OK\r\n__proto__: polluted\r\nConstructor: c\r\nContent-Length: 0\r\n\r\n',
      ),
    ]);
    const headers = recorder.heads[0]?.headers;
    assert.ok(headers !== undefined);
    assert.equal(Object.getPrototypeOf(headers), null);
    assert.ok(Object.hasOwn(headers, '__proto__'));
    assert.equal(headers['__proto__'], 'polluted');
    assert.equal(headers['constructor'], 'c');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(Object.keys(headers), ['__proto__', 'constructor', 'content-length']);
  });

  test('header values may hold tabs and obs-text', () => {
    const { recorder } = feed([
      bytes('HTTP/1.1 200 OK\r\nX-A: a\tb \xff\x80\r\nContent-Length: 0\r\n\r\n'),
    ]);
    assert.equal(recorder.heads[0]?.headers['x-a'], 'a\tb \xff\x80');
  });
});

describe('keep-alive', () => {
  function headOf(text: string): ResponseHead {
    const { recorder } = feed([bytes(text)]);
    const first = recorder.heads[0];
    assert.ok(first !== undefined, 'a head was delivered');
    return first;
  }

  test('HTTP/1.1 keeps the connection by default, with no hint', () => {
    const first = headOf('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    assert.equal(first.keepAlive, true);
    assert.equal(first.keepAliveHintMs, undefined);
  });

  test('Connection: close, in any case and among other options, ends it', () => {
    for (const value of ['close', 'Close', 'keep-alive, close', 'x-foo, CLOSE']) {
      assert.equal(
        headOf(`HTTP/1.1 200 OK\r\nConnection: ${value}\r\nContent-Length: 0\r\n\r\n`).keepAlive,
        false,
        value,
      );
    }
    assert.equal(
      headOf('HTTP/1.1 200 OK\r\nConnection: x-a\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        .keepAlive,
      false,
      'a repeated Connection field counts as well',
    );
  });

  test('HTTP/1.0 ends the connection unless it says keep-alive', () => {
    assert.equal(headOf('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
    assert.equal(
      headOf('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n').keepAlive,
      true,
    );
  });

  test('HTTP/1.0 with both keep-alive and close ends the connection (close wins, RFC 9112 section 9.3)', () => {
    assert.equal(
      headOf('HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n')
        .keepAlive,
      false,
    );
  });

  test('HTTP/1.0 keep-alive without a length still ends the connection (the body runs to it)', () => {
    assert.equal(headOf('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n').keepAlive, false);
  });

  test('Keep-Alive: timeout=N is a hint in milliseconds, wherever it is among the parameters', () => {
    const hints: Record<string, number | undefined> = {
      'timeout=5': 5_000,
      'timeout=5, max=100': 5_000,
      'max=100, timeout=2': 2_000,
      'max=100;Timeout=3': 3_000,
      'timeout=0': 0,
      'max=100': undefined,
      'xtimeout=5': undefined,
      'timeout=abc': undefined,
    };
    for (const [value, ms] of Object.entries(hints)) {
      const first = headOf(`HTTP/1.1 200 OK\r\nKeep-Alive: ${value}\r\nContent-Length: 0\r\n\r\n`);
      assert.equal(first.keepAliveHintMs, ms, value);
      assert.equal(first.keepAlive, true, value);
    }
  });
});

describe('bytes outside the response', () => {
  test('bytes after a complete response are returned by execute(), not delivered', () => {
    assertSplitInvariant(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n',
      [head(200, 'OK', { 'content-length': '2' }), { type: 'body', data: 'hi' }, END],
      'HTTP/1.1 200 OK\r\n'.length,
    );
    assertSplitInvariant(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\nxyz',
      [head(200, 'OK', { 'transfer-encoding': 'chunked' }), { type: 'body', data: 'hi' }, END],
      3,
    );
  });

  test('before any expect(), and after the response, every byte is extra', () => {
    const parser = new ResponseParser(new Recorder(), LIMITS);
    assert.equal(parser.execute(bytes('HTTP/1.1 200 OK\r\n\r\n')), 19);
    const { parser: done } = feed([bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')]);
    assert.equal(done.execute(bytes('late')), 4);
  });

  test('after halt(), execute() delivers nothing more and reports no extra bytes', () => {
    const recorder = new Recorder();
    const parser = new ResponseParser(recorder, LIMITS);
    parser.expect(false);
    parser.execute(bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    assert.equal(recorder.events.length, 2);
    parser.halt();
    assert.equal(parser.execute(bytes('defghij')), 0);
    assert.equal(parser.execute(bytes('HTTP/1.1 200 OK\r\n\r\n')), 0);
    assert.equal(recorder.events.length, 2);
    assert.equal(parser.done, false);
    assert.equal(parser.finish(), false);
  });

  test('halt() from inside an event drops the rest of the bytes being parsed', () => {
    const cases: [string, Event['type'], number][] = [
      ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc', 'head', 1],
      [
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n',
        'body',
        2,
      ],
      ['HTTP/1.1 204 No Content\r\n\r\n', 'head', 1],
    ];
    for (const [text, haltAt, count] of cases) {
      const recorder = new Recorder();
      const parser = new ResponseParser(recorder, LIMITS);
      recorder.after = (event) => {
        if (event.type === haltAt) parser.halt();
      };
      parser.expect(false);
      assert.equal(parser.execute(bytes(text)), 0, text);
      assert.equal(recorder.events.length, count, text);
      assert.equal(recorder.events.at(-1)?.type, haltAt, text);
      if (haltAt === 'body') assert.deepEqual(recorder.events.at(-1), { type: 'body', data: 'a' });
    }
  });
});

describe('refusals: PM_ERR_UPSTREAM_PROTOCOL', () => {
  test('both Transfer-Encoding and Content-Length', () => {
    assertRefused(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    );
    assertRefused('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n');
    assertRefused('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', {
      noBody: true,
    });
  });

  test('differing Content-Lengths, repeated or listed', () => {
    assertRefused('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd');
    assertRefused('HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd');
    assertRefused('HTTP/1.1 200 OK\r\nContent-Length: 3,\r\n\r\nabc');
  });

  test('equal repeated or listed Content-Lengths are accepted as one', () => {
    for (const fields of ['Content-Length: 3\r\nContent-Length: 3', 'Content-Length: 3, 3 ,3']) {
      const { events } = feed([bytes(`HTTP/1.1 200 OK\r\n${fields}\r\n\r\nabcNEXT`)]);
      assert.deepEqual(events.slice(1), [{ type: 'body', data: 'abc' }, END], fields);
    }
  });

  test('a Content-Length that is not a decimal number', () => {
    for (const value of ['abc', '-1', '+3', '0x10', '3.0', '3 4', '', '1234567890123456']) {
      assertRefused(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\nabc`);
    }
  });

  test('a transfer coding other than chunked alone', () => {
    for (const fields of [
      'Transfer-Encoding: gzip, chunked',
      'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked',
      'Transfer-Encoding: chunked, chunked',
      'Transfer-Encoding: identity',
      'Transfer-Encoding: gzip',
      'Transfer-Encoding: chunked;q=1',
    ]) {
      assertRefused(`HTTP/1.1 200 OK\r\n${fields}\r\n\r\n0\r\n\r\n`);
    }
  });

  test('bare LF line ends inside a head, a chunk-size line, a chunk end or trailers', () => {
    assertRefused('HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n');
    assertRefused('HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 0\r\n\r\n');
    assertRefused('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nhi\r\n0\r\n\r\n');
    assertRefused('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\n0\r\n\r\n');
    assertRefused(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: 1\nX-B: 2\r\n\r\n',
    );
  });

  test('a head with only bare LF line ends is refused at once, not waited on', () => {
    const recorder = new Recorder();
    const parser = new ResponseParser(recorder, LIMITS);
    parser.expect(false);
    assert.throws(
      () => parser.execute(bytes('HTTP/1.1 200 OK\nContent-Length: 2\n\nhi')),
      isProtocolError,
    );
  });

  test('obs-fold (a field line continued on the next)', () => {
    assertRefused('HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n');
    assertRefused('HTTP/1.1 200 OK\r\nX-A: one\r\n\ttwo\r\nContent-Length: 0\r\n\r\n');
    assertRefused('HTTP/1.1 200 OK\r\n X-A: one\r\nContent-Length: 0\r\n\r\n');
  });

  test('a header name that is not a token, or a line without a name', () => {
    for (const line of ['X A: 1', 'X-A : 1', 'X\xe9: 1', 'X(A): 1', ': 1', 'no colon', 'X"A": 1']) {
      assertRefused(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`);
    }
  });

  test('a NUL, CR or other control character inside a value, in the head or the trailers', () => {
    for (const value of ['a\0b', 'a\rb', 'a\x01b', 'a\x7fb', 'a\x1bb']) {
      assertRefused(`HTTP/1.1 200 OK\r\nX-A: ${value}\r\nContent-Length: 0\r\n\r\n`);
      assertRefused(
        `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: ${value}\r\n\r\n`,
      );
    }
  });

  test('a malformed status line', () => {
    for (const line of [
      'HTTP/1.1 20 OK',
      'HTTP/1.1 2000 OK',
      'HTTP/1.1 099 Low',
      'HTTP/1.1 200OK',
      'HTTP/1.1  200 OK',
      'HTTP/1.2 200 OK',
      'HTTP/2 200 OK',
      'http/1.1 200 OK',
      'ICY 200 OK',
      ' HTTP/1.1 200 OK',
      '',
    ]) {
      assertRefused(`${line}\r\nContent-Length: 0\r\n\r\n`);
    }
  });

  test('a control character in the reason phrase', () => {
    for (const reason of ['O\x00K', 'O\x7fK', 'O\x01K']) {
      assertRefused(`HTTP/1.1 200 ${reason}\r\nContent-Length: 0\r\n\r\n`);
    }
  });

  test('a head larger than maxHeadBytes whose end never comes', () => {
    const maxHeadBytes = 64;
    const start = 'HTTP/1.1 200 OK\r\nX-Filler: ';
    // Exactly the limit without the end is still waited on: nothing thrown, nothing delivered.
    const atLimit = feed([bytes(start + 'a'.repeat(maxHeadBytes - start.length))], {
      maxHeadBytes,
    });
    assert.deepEqual(atLimit.events, []);
    assertRefused(start + 'a'.repeat(maxHeadBytes - start.length + 1), { maxHeadBytes });
    // In pieces, the head is refused as soon as what is held passes the limit.
    const recorder = new Recorder();
    const parser = new ResponseParser(recorder, { maxHeadBytes });
    parser.expect(false);
    parser.execute(bytes(start));
    parser.execute(bytes('a'.repeat(maxHeadBytes - start.length)));
    assert.throws(() => parser.execute(bytes('a')), isProtocolError);
  });

  test('a head whose end comes too late, even in one piece with its body', () => {
    const maxHeadBytes = 64;
    const start = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Filler: ';
    const fits = start + 'a'.repeat(maxHeadBytes - start.length - 4) + '\r\n\r\n';
    assert.equal(fits.length, maxHeadBytes);
    // A head of exactly the limit is read, whatever body bytes come with it.
    assert.deepEqual(feed([bytes(`${fits}hi`)], { maxHeadBytes }).events.slice(1), [
      { type: 'body', data: 'hi' },
      END,
    ]);
    const tooLong = start + 'a'.repeat(maxHeadBytes - start.length - 3) + '\r\n\r\nhi';
    assertRefused(tooLong, { maxHeadBytes });
  });

  test('informational heads count against the limit on their own', () => {
    const maxHeadBytes = 64;
    const hint = 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n';
    const final = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
    assert.ok(hint.length + final.length > maxHeadBytes);
    assert.deepEqual(feed([bytes(hint + final)], { maxHeadBytes }).events, [
      head(200, 'OK', { 'content-length': '0' }),
      END,
    ]);
  });

  test('a chunk-size line longer than 4096 bytes, ended or not', () => {
    const start = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    const longLine = `1;${'x'.repeat(5_000)}`;
    assertRefused(`${start}${longLine}`);
    assertRefused(`${start}${longLine}\r\na\r\n0\r\n\r\n`);
    // Extensions up to the limit are fine.
    const { events } = feed([bytes(`${start}1;${'x'.repeat(4_000)}\r\na\r\n0\r\n\r\n`)]);
    assert.deepEqual(events.slice(1), [{ type: 'body', data: 'a' }, END]);
  });

  test('a chunk size that is not 1 to 12 hex digits', () => {
    const start = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    for (const size of [
      'zz',
      '-1',
      '+1',
      ' 1',
      '0x1',
      '',
      '1 2',
      '1234567890abc',
      '1\x00',
      ';ext',
    ]) {
      assertRefused(`${start}${size}\r\na\r\n0\r\n\r\n`);
    }
  });

  test('chunk data longer than its size', () => {
    assertRefused('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n');
    assertRefused('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n\r\n0\r\n\r\n');
  });

  test('trailers larger than maxHeadBytes, ended or not', () => {
    const maxHeadBytes = 128;
    const start = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n';
    const filler = `X-Trailer: ${'t'.repeat(maxHeadBytes)}`;
    assertRefused(`${start}${filler}`, { maxHeadBytes });
    assertRefused(`${start}${filler}\r\n\r\n`, { maxHeadBytes });
    // The trailer section has a limit of its own, apart from the head's.
    const fits = `X-Trailer: ${'t'.repeat(maxHeadBytes - 'X-Trailer: '.length - 4)}`;
    const { events } = feed([bytes(`${start}${fits}\r\n\r\n`)], { maxHeadBytes });
    assert.deepEqual(events.at(-1), {
      type: 'end',
      trailers: { 'x-trailer': 't'.repeat(maxHeadBytes - 'X-Trailer: '.length - 4) },
    });
  });
});
