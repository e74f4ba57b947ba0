import { ProxyError } from '../errors.ts';

/** Response header fields: lower-case names, repeated ones as arrays (undici's shape). */
export type ResponseFields = Record<string, string | string[]>;

/** The head of one final response (1xx answers other than 101 are skipped). */
export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  readonly headers: ResponseFields;
  /** The connection may carry another request once this response is complete. */
  readonly keepAlive: boolean;
  /** The upstream's `Keep-Alive: timeout=N`, in milliseconds; undefined: none given. */
  readonly keepAliveHintMs: number | undefined;
}

/** Where the parser delivers a response, in order: one head, body pieces, one end. */
export interface ResponseEvents {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  /** The response is complete; `trailers` are a chunked body's trailer fields, if any. */
  onEnd(trailers: ResponseFields | undefined): void;
}

/** Bounds on what one response may make the parser hold. */
export interface ResponseParserLimits {
  /** Status line and header fields together, and the trailer section on its own. */
  readonly maxHeadBytes: number;
}

// Where the parser is in a response; numbers, for a cheap switch on every chunk.
const State = {
  Head: 0,
  Length: 1,
  ChunkSize: 2,
  ChunkData: 3,
  ChunkDataEnd: 4,
  Trailers: 5,
  UntilClose: 6,
  Done: 7,
  Halted: 8,
} as const;
type State = (typeof State)[keyof typeof State];

const CRLF = Buffer.from('\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible characters, obs-text, spaces and tabs (RFC 9110 section 5.5).
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const DIGITS = /^\d{1,15}$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;[\t\x20-\x7e\x80-\xff]*)?$/;
const KEEP_ALIVE_TIMEOUT = /(?:^|[,;]\s*)timeout=(\d{1,9})/i;
// A chunk-size line with extensions is short; a longer one is an upstream trying to exhaust memory.
const MAX_CHUNK_LINE = 4096;

/**
 * An incremental parser of HTTP/1.x responses as an upstream sends them on one connection, one
 * response at a time (no pipelining). Hand-written because Node exposes no HTTP response parser
 * inside its `http` client, and undici (llhttp in WebAssembly, under its dispatcher layers) cost
 * a proxy worker more CPU per request and more memory (docs/workers.md). It is strict where leniency
 * lets a connection's framing be read two ways (request smuggling's answer side, RFC 9112
 * section 6.3): CRLF line ends only, no obs-fold, no Content-Length next to Transfer-Encoding,
 * no differing Content-Lengths, `chunked` as the only transfer coding (as nginx refuses others).
 * Every violation throws a ProxyError PM_ERR_UPSTREAM_PROTOCOL, after which the connection
 * must be closed.
 */
export class ResponseParser {
  readonly #events: ResponseEvents;
  readonly #limits: ResponseParserLimits;
  #state: State = State.Done;
  #noBody = false;
  /** Bytes of a head, chunk-size line or trailer section received in pieces. */
  #pending: Buffer | null = null;
  /** The reader asked for no more events until {@link release}. */
  #holding = false;
  /** Bytes received while holding, not parsed yet. */
  #held: Buffer | null = null;
  #remaining = 0;

  constructor(events: ResponseEvents, limits: ResponseParserLimits) {
    this.#events = events;
    this.#limits = limits;
  }

  /** Expects the next response; `noBody` for a HEAD request's, which has no body whatever it says. */
  expect(noBody: boolean): void {
    this.#state = State.Head;
    this.#noBody = noBody;
    this.#pending = null;
    this.#holding = false;
    this.#held = null;
  }

  /** True once the response is complete (and before the first is expected). */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /** True while the body runs to the connection's end (no length was given). */
  get untilClose(): boolean {
    return this.#state === State.UntilClose;
  }

  /** Stops delivering events: the rest of what `execute` was given is dropped. */
  halt(): void {
    this.#state = State.Halted;
  }

  /**
   * Delivers no more events, from the next piece of the current `execute` on, until
   * {@link release}: bytes given meanwhile are kept (the handler's backpressure).
   */
  hold(): void {
    this.#holding = true;
  }

  /** True while bytes wait for {@link release}. */
  get holdsBytes(): boolean {
    return this.#held !== null;
  }

  /** Ends a hold; returns the bytes kept meanwhile, for `execute`, or null. */
  release(): Buffer | null {
    const held = this.#held;
    this.#holding = false;
    this.#held = null;
    return held;
  }

  /**
   * Reads bytes from the connection. Returns how many belong to no response: bytes after a
   * complete response (the connection is then unusable), 0 otherwise.
   */
  execute(chunk: Buffer): number {
    let data = chunk;
    while (data.length > 0) {
      if (this.#holding && this.#state !== State.Halted) {
        this.#held = this.#held === null ? data : Buffer.concat([this.#held, data]);
        return 0;
      }
      switch (this.#state) {
        case State.Done:
          return data.length;
        case State.Halted:
          return 0;
        case State.Head:
          data = this.#head(data);
          break;
        case State.Length:
          data = this.#lengthBody(data);
          break;
        case State.ChunkSize:
          data = this.#chunkSize(data);
          break;
        case State.ChunkData:
          data = this.#chunkData(data);
          break;
        case State.ChunkDataEnd:
          data = this.#chunkDataEnd(data);
          break;
        case State.Trailers:
          data = this.#trailerSection(data);
          break;
        case State.UntilClose:
          this.#events.onBody(data);
          return 0;
      }
    }
    return 0;
  }

  /**
   * The connection ended. Completes a body that runs until the close and returns true; returns
   * false when a response was still expected or cut short.
   */
  finish(): boolean {
    if (this.#state !== State.UntilClose) return this.#state === State.Done;
    this.#complete(undefined);
    return true;
  }

  #head(data: Buffer): Buffer {
    const joined = this.#join(data);
    const end = joined.indexOf('\r\n\r\n');
    if (end < 0) {
      if (joined.length > this.#limits.maxHeadBytes) {
        throw protocolError('the response head is larger than the proxy accepts');
      }
      // A head ended by bare LFs would otherwise wait for the size limit or the timeout.
      if (joined.includes('\n\n')) throw protocolError('the response head has bare LF line ends');
      this.#pending = joined;
      return EMPTY;
    }
    if (end + 4 > this.#limits.maxHeadBytes) {
      throw protocolError('the response head is larger than the proxy accepts');
    }
    this.#pending = null;
    const rest = joined.subarray(end + 4);
    this.#startBody(joined.toString('latin1', 0, end));
    return rest;
  }

  #startBody(text: string): void {
    const lines = text.split('\r\n');
    const status = STATUS_LINE.exec(lines[0] ?? '');
    if (status === null) throw protocolError('the response has no valid status line');
    const code = Number(status[2]);
    const headers = parseFields(lines, 1);
    if (code === 101) throw protocolError('the upstream switched protocols unasked');
    // Other informational answers (100 Continue, 103 Early Hints) precede the real one.
    if (code < 200) return;
    const http10 = status[1] === '0';
    const connection = joinedValue(headers.connection)?.toLowerCase() ?? '';
    // `close` wins over `keep-alive` (RFC 9112 section 9.3); HTTP/1.0 closes unless asked not to.
    let keepAlive = !/\bclose\b/.test(connection) && (!http10 || /\bkeep-alive\b/.test(connection));
    const hint = KEEP_ALIVE_TIMEOUT.exec(joinedValue(headers['keep-alive']) ?? '');
    const framing = bodyFraming(headers);
    if (this.#noBody || code === 204 || code === 304) {
      this.#state = State.Done;
    } else if (framing === 'chunked') {
      this.#state = State.ChunkSize;
    } else if (framing === 'close') {
      this.#state = State.UntilClose;
      keepAlive = false;
    } else {
      this.#remaining = framing;
      this.#state = framing === 0 ? State.Done : State.Length;
    }
    this.#events.onHead({
      status: code,
      statusText: status[3] ?? '',
      headers,
      keepAlive,
      keepAliveHintMs: hint === null ? undefined : Number(hint[1]) * 1000,
    });
    if (this.#state === State.Done) this.#complete(undefined);
  }

  #lengthBody(data: Buffer): Buffer {
    if (data.length < this.#remaining) {
      this.#remaining -= data.length;
      this.#events.onBody(data);
      return EMPTY;
    }
    const body = data.subarray(0, this.#remaining);
    const rest = data.subarray(this.#remaining);
    this.#remaining = 0;
    if (body.length > 0) this.#events.onBody(body);
    if (this.#state === State.Length) this.#complete(undefined);
    return rest;
  }

  #chunkSize(data: Buffer): Buffer {
    const joined = this.#join(data);
    const end = joined.indexOf(CRLF);
    if (end < 0 || end > MAX_CHUNK_LINE) {
      if (joined.length > MAX_CHUNK_LINE) throw protocolError('a chunk-size line is too long');
      this.#pending = joined;
      return EMPTY;
    }
    this.#pending = null;
    const size = CHUNK_SIZE.exec(joined.toString('latin1', 0, end));
    if (size === null) throw protocolError('a chunk-size line is malformed');
    this.#remaining = Number.parseInt(size[1] ?? '', 16);
    this.#state = this.#remaining === 0 ? State.Trailers : State.ChunkData;
    return joined.subarray(end + 2);
  }

  #chunkData(data: Buffer): Buffer {
    const rest = this.#lengthBody(data);
    if (this.#remaining === 0 && this.#state === State.ChunkData) this.#state = State.ChunkDataEnd;
    return rest;
  }

  #chunkDataEnd(data: Buffer): Buffer {
    const joined = this.#join(data);
    if (joined.length < 2) {
      this.#pending = joined;
      return EMPTY;
    }
    this.#pending = null;
    if (joined[0] !== 0x0d || joined[1] !== 0x0a)
      throw protocolError('a chunk is longer than its size');
    this.#state = State.ChunkSize;
    return joined.subarray(2);
  }

  #trailerSection(data: Buffer): Buffer {
    const joined = this.#join(data);
    // No trailers: the last chunk is followed by an empty line at once.
    if (joined.length >= 2 && joined[0] === 0x0d && joined[1] === 0x0a) {
      this.#pending = null;
      this.#complete(undefined);
      return joined.subarray(2);
    }
    const end = joined.indexOf('\r\n\r\n');
    if (end < 0 ? joined.length > this.#limits.maxHeadBytes : end + 4 > this.#limits.maxHeadBytes) {
      throw protocolError('the response trailers are larger than the proxy accepts');
    }
    if (end < 0) {
      this.#pending = joined;
      return EMPTY;
    }
    this.#pending = null;
    const fields = parseFields(joined.toString('latin1', 0, end).split('\r\n'), 0);
    this.#complete(fields);
    return joined.subarray(end + 4);
  }

  #complete(trailers: ResponseFields | undefined): void {
    this.#state = State.Done;
    this.#events.onEnd(trailers);
  }

  #join(data: Buffer): Buffer {
    const pending = this.#pending;
    return pending === null ? data : Buffer.concat([pending, data]);
  }
}

const EMPTY = Buffer.alloc(0);

/** How a response body is delimited: a length, chunked, or the connection's close. */
function bodyFraming(headers: ResponseFields): number | 'chunked' | 'close' {
  const coding = joinedValue(headers['transfer-encoding']);
  const length = headers['content-length'];
  if (coding !== undefined) {
    if (length !== undefined) {
      throw protocolError('the response has both Transfer-Encoding and Content-Length');
    }
    if (coding.trim().toLowerCase() !== 'chunked') {
      throw protocolError(`the response uses a transfer coding the proxy does not decode`);
    }
    return 'chunked';
  }
  if (length === undefined) return 'close';
  if (typeof length === 'string' && DIGITS.test(length)) return Number(length);
  // Repeated or listed values are accepted only when all are the same (RFC 9110 section 8.6).
  const values = (typeof length === 'string' ? [length] : length).flatMap((value) =>
    value.split(','),
  );
  const first = values[0]?.trim() ?? '';
  if (!DIGITS.test(first) || values.some((value) => value.trim() !== first)) {
    throw protocolError('the response has an invalid Content-Length');
  }
  return Number(first);
}

/** Parses `name: value` lines from `lines[from]` on. */
function parseFields(lines: readonly string[], from: number): ResponseFields {
  // No prototype: a field named `__proto__` is just a field.
  const fields = Object.create(null) as ResponseFields;
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    // Also refuses obs-fold (a line starting with a space) and bare CR or LF inside a line.
    if (!TOKEN.test(name)) throw protocolError('a response header line is malformed');
    const value = trimSpaces(line.slice(colon + 1));
    if (BAD_VALUE.test(value)) throw protocolError(`the response header ${name} has a bad value`);
    const key = name.toLowerCase();
    const known = fields[key];
    if (known === undefined) fields[key] = value;
    else if (typeof known === 'string') fields[key] = [known, value];
    else known.push(value);
  }
  return fields;
}

/** Without leading and trailing spaces and tabs (OWS); String.trim would also eat obs-text. */
function trimSpaces(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value.charCodeAt(start))) start++;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function joinedValue(value: string | string[] | undefined): string | undefined {
  return value === undefined || typeof value === 'string' ? value : value.join(', ');
}

function protocolError(message: string): ProxyError {
  return new ProxyError('PM_ERR_UPSTREAM_PROTOCOL', message);
}
