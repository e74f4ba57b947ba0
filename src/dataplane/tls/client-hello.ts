/**
 * Reads the server name (SNI) from the first bytes of a TLS connection, before any handshake, so
 * that the HTTPS listener can pass a connection through undecrypted (ssl-passthrough).
 *
 * Written by hand: node:tls reads SNI only inside its own handshake (too late: the bytes are
 * consumed), and the packages that parse ClientHellos want the whole message in one buffer or
 * parse far more than the one extension needed here. This reads just enough of RFC 8446 section
 * 4.1.2 (the ClientHello, the same layout in TLS 1.2) and RFC 6066 section 3 (server_name), and
 * never throws: every length is checked against the bytes at hand before it is used.
 */

/** What the bytes read so far say. */
export type ClientHelloRead =
  /** The ClientHello is not complete yet: read more (up to the caller's bound). */
  | { readonly kind: 'incomplete' }
  /** Not a TLS ClientHello, or a malformed one: the TLS server will refuse it as usual. */
  | { readonly kind: 'other' }
  /** A whole ClientHello: the host name it asks for (lower case), null without one. */
  | { readonly kind: 'hello'; readonly serverName: string | null };

const INCOMPLETE: ClientHelloRead = { kind: 'incomplete' };
const OTHER: ClientHelloRead = { kind: 'other' };

const RECORD_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXTENSION_SERVER_NAME = 0;
const NAME_TYPE_HOST = 0;
// RFC 8446 section 5.1: a record's fragment is at most 2^14 bytes.
const MAX_RECORD = 16_384;
// A DNS name is at most 253 characters (255 octets on the wire).
const MAX_HOST_NAME = 255;
// Letters, digits, hyphen, dot, underscore: what a host name in SNI may hold (RFC 6066 says
// ASCII; anything else could never match a rule host, which is a DNS name).
const HOST_NAME = /^[a-z0-9._-]+$/;

/**
 * Reads `bytes`, everything the client sent so far. The ClientHello may be split over several
 * TLS records (the handshake layer allows it) and over any number of TCP reads; call again with
 * more bytes while the answer is `incomplete`. The caller bounds how many bytes it buffers.
 */
export function readClientHello(bytes: Uint8Array): ClientHelloRead {
  if (bytes.length === 0) return INCOMPLETE;
  if (bytes[0] !== RECORD_HANDSHAKE) return OTHER;
  const records = handshakeBytes(bytes);
  if (records === 'other') return OTHER;
  const { handshake, closed } = records;
  if (handshake.length < 4) return closed ? OTHER : INCOMPLETE;
  if (handshake[0] !== HANDSHAKE_CLIENT_HELLO) return OTHER;
  const length = uint24(handshake, 1);
  if (handshake.length < 4 + length) return closed ? OTHER : INCOMPLETE;
  const serverName = serverNameOf(handshake.subarray(4, 4 + length));
  return serverName === undefined ? OTHER : { kind: 'hello', serverName };
}

/**
 * The handshake bytes carried by the complete handshake records at the start of `bytes` (copied
 * only when there are several), and whether another kind of record follows them (TLS 1.3 early
 * data may come in the same read), so that no more handshake bytes can come. 'other' when a
 * record is malformed.
 */
function handshakeBytes(
  bytes: Uint8Array,
): { readonly handshake: Uint8Array; readonly closed: boolean } | 'other' {
  const fragments: Uint8Array[] = [];
  let offset = 0;
  let closed = false;
  while (offset + 5 <= bytes.length) {
    // A record: type (1), legacy version (2, major 3), length (2), fragment.
    if (bytes[offset + 1] !== 3) return 'other';
    if (bytes[offset] !== RECORD_HANDSHAKE) {
      closed = true;
      break;
    }
    const length = uint16(bytes, offset + 3);
    if (length === 0 || length > MAX_RECORD) return 'other';
    if (offset + 5 + length > bytes.length) break;
    fragments.push(bytes.subarray(offset + 5, offset + 5 + length));
    offset += 5 + length;
  }
  const only = fragments.length === 1 ? fragments[0] : undefined;
  if (only !== undefined) return { handshake: only, closed };
  const total = fragments.reduce((sum, fragment) => sum + fragment.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const fragment of fragments) {
    joined.set(fragment, at);
    at += fragment.length;
  }
  return { handshake: joined, closed };
}

/**
 * The host name in a ClientHello body: a string, null when it has no server_name extension (or
 * no host_name entry), undefined when the body is malformed or the name is not a host name.
 */
function serverNameOf(body: Uint8Array): string | null | undefined {
  const reader = new Reader(body);
  // legacy_version (2), random (32), legacy_session_id <0..32>, cipher_suites <2..2^16-2>,
  // legacy_compression_methods <1..2^8-1>.
  if (!reader.skip(34) || !reader.skipVector(1) || !reader.skipVector(2)) return undefined;
  if (!reader.skipVector(1)) return undefined;
  // TLS 1.2 allows a ClientHello without extensions; there is no name then.
  if (reader.done()) return null;
  const extensions = reader.vector(2);
  if (extensions === undefined || !reader.done()) return undefined;
  const list = new Reader(extensions);
  while (!list.done()) {
    const type = list.uint16();
    const data = list.vector(2);
    if (type === undefined || data === undefined) return undefined;
    if (type === EXTENSION_SERVER_NAME) return hostNameOf(data);
  }
  return null;
}

/** The host_name of a server_name extension's ServerNameList (RFC 6066 section 3). */
function hostNameOf(data: Uint8Array): string | null | undefined {
  const outer = new Reader(data);
  const names = outer.vector(2);
  if (names === undefined || !outer.done()) return undefined;
  const list = new Reader(names);
  while (!list.done()) {
    const type = list.uint8();
    const name = list.vector(2);
    if (type === undefined || name === undefined) return undefined;
    if (type !== NAME_TYPE_HOST) continue;
    if (name.length === 0 || name.length > MAX_HOST_NAME) return undefined;
    const text = Buffer.from(name.buffer, name.byteOffset, name.length)
      .toString('latin1')
      .toLowerCase();
    return HOST_NAME.test(text) ? text : undefined;
  }
  return null;
}

/** Reads big-endian integers and length-prefixed vectors, refusing to read past the end. */
class Reader {
  readonly #bytes: Uint8Array;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  done(): boolean {
    return this.#offset >= this.#bytes.length;
  }

  skip(count: number): boolean {
    if (this.#offset + count > this.#bytes.length) return false;
    this.#offset += count;
    return true;
  }

  uint8(): number | undefined {
    const value = this.#bytes[this.#offset];
    if (value !== undefined) this.#offset += 1;
    return value;
  }

  uint16(): number | undefined {
    if (this.#offset + 2 > this.#bytes.length) return undefined;
    const value = uint16(this.#bytes, this.#offset);
    this.#offset += 2;
    return value;
  }

  /** A vector whose length takes `lengthBytes` (1 or 2) bytes. */
  vector(lengthBytes: 1 | 2): Uint8Array | undefined {
    const length = lengthBytes === 1 ? this.uint8() : this.uint16();
    if (length === undefined || this.#offset + length > this.#bytes.length) return undefined;
    const value = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return value;
  }

  skipVector(lengthBytes: 1 | 2): boolean {
    return this.vector(lengthBytes) !== undefined;
  }
}

function uint16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
}

function uint24(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 16) | ((bytes[offset + 1] ?? 0) << 8) | (bytes[offset + 2] ?? 0);
}
