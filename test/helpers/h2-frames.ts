// HTTP/2 frames and HPACK by hand (RFC 9113, RFC 7541), for clients that break the rules no
// HTTP/2 library lets a caller break: floods, oversized header blocks, repeated pseudo-headers.
import { connect, type Socket } from 'node:net';

/** Frame types (RFC 9113 section 6). */
export const FRAME = {
  data: 0x0,
  headers: 0x1,
  rstStream: 0x3,
  settings: 0x4,
  goaway: 0x7,
  continuation: 0x9,
} as const;

/** Frame flags. */
export const FLAG = { endStream: 0x1, ack: 0x1, endHeaders: 0x4 } as const;

/** Error codes (RFC 9113 section 7). */
export const H2_ERROR = { cancel: 0x8, enhanceYourCalm: 0xb } as const;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** One frame: a 9-byte header and the payload. */
export function frame(
  type: number,
  flags: number,
  stream: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** An RST_STREAM frame. */
export function rstStream(stream: number, code: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(FRAME.rstStream, 0, stream, payload);
}

/** An HPACK integer with an N-bit prefix, `first` holding the bits above the prefix. */
export function hpackInteger(value: number, prefixBits: number, first = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([first | value]);
  const bytes = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** An HPACK string literal, not Huffman-coded. */
export function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([hpackInteger(bytes.length, 7), bytes]);
}

/** A literal header field without indexing whose name is static-table entry `nameIndex`. */
export function literalIndexedName(nameIndex: number, value: string): Buffer {
  return Buffer.concat([hpackInteger(nameIndex, 4), hpackString(value)]);
}

/** A literal header field with a new name; `index` adds it to the dynamic table. */
export function literalNewName(name: string, value: string, index = false): Buffer {
  return Buffer.concat([Buffer.from([index ? 0x40 : 0x00]), hpackString(name), hpackString(value)]);
}

/** An indexed header field: static entries 1-61, then the dynamic table from 62. */
export function indexed(index: number): Buffer {
  return hpackInteger(index, 7, 0x80);
}

/** The header block of a GET (`http`) for `path` at `authority`, with extra fields appended. */
export function requestBlock(authority: string, path: string, ...extra: Buffer[]): Buffer {
  // Static table: 2 is `:method GET`, 6 `:scheme http`, 4 `:path`, 1 `:authority`.
  return Buffer.concat([
    indexed(2),
    indexed(6),
    literalIndexedName(4, path),
    literalIndexedName(1, authority),
    ...extra,
  ]);
}

/** A frame the server sent. */
export interface ReceivedFrame {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  readonly payload: Buffer;
}

/** A raw HTTP/2 client connection that records every frame the server sends. */
export interface RawH2Connection {
  readonly socket: Socket;
  readonly frames: readonly ReceivedFrame[];
  readonly closed: boolean;
  /** The first GOAWAY's last stream id and error code, or null before one arrived. */
  goaway(): { readonly lastStream: number; readonly code: number } | null;
  /** Error codes of the RST_STREAM frames received for `stream`. */
  resets(stream: number): number[];
  /** Writes bytes; resolves once they are buffered below the high-water mark or it closed. */
  write(bytes: Buffer): Promise<void>;
  /** Resolves once the server closed the connection, or after `ms` (then false). */
  waitClosed(ms: number): Promise<boolean>;
}

/**
 * Connects to 127.0.0.1:port with prior knowledge (h2c): sends the preface and an empty
 * SETTINGS frame, acknowledges the server's SETTINGS, and parses what comes back.
 */
export async function rawH2Connect(port: number): Promise<RawH2Connection> {
  const socket = connect(port, '127.0.0.1');
  const frames: ReceivedFrame[] = [];
  let closed = false;
  let buffered = Buffer.alloc(0);
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 9) {
      const length = buffered.readUIntBE(0, 3);
      if (buffered.length < 9 + length) break;
      const received: ReceivedFrame = {
        type: buffered.readUInt8(3),
        flags: buffered.readUInt8(4),
        stream: buffered.readUInt32BE(5) & 0x7fffffff,
        payload: buffered.subarray(9, 9 + length),
      };
      frames.push(received);
      buffered = buffered.subarray(9 + length);
      if (received.type === FRAME.settings && (received.flags & FLAG.ack) === 0 && !closed) {
        socket.write(frame(FRAME.settings, FLAG.ack, 0));
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(Buffer.concat([PREFACE, frame(FRAME.settings, 0, 0)]));
  return {
    socket,
    frames,
    get closed() {
      return closed;
    },
    goaway: () => {
      const found = frames.find((received) => received.type === FRAME.goaway);
      if (found === undefined) return null;
      return {
        lastStream: found.payload.readUInt32BE(0) & 0x7fffffff,
        code: found.payload.readUInt32BE(4),
      };
    },
    resets: (stream) =>
      frames
        .filter((received) => received.type === FRAME.rstStream && received.stream === stream)
        .map((received) => received.payload.readUInt32BE(0)),
    write: async (bytes) => {
      if (closed || socket.write(bytes)) return;
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
    },
    waitClosed: async (ms) => {
      if (closed) return true;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          resolve(false);
        }, ms);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  };
}
