import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A running WebSocket echo server. */
export interface WebSocketEcho {
  readonly port: number;
  readonly server: Server;
  /** Headers of every upgrade request received, in order. */
  readonly upgrades: { readonly url: string; readonly headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/**
 * A minimal WebSocket server (RFC 6455, enough for tests): accepts every upgrade on any path
 * except `/refuse` (answered 403) and sends each data frame back unmasked.
 */
export async function startWebSocketEcho(): Promise<WebSocketEcho> {
  const upgrades: { url: string; headers: IncomingHttpHeaders }[] = [];
  const sockets = new Set<Duplex>();
  const server = createServer((_req, res) => res.end('not a websocket request'));
  server.on('upgrade', (req, socket: Duplex) => {
    upgrades.push({ url: req.url ?? '', headers: req.headers });
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\n\r\nrefused');
      return;
    }
    const key = String(req.headers['sec-websocket-key']);
    const accept = createHash('sha1')
      .update(key + WEBSOCKET_GUID)
      .digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    echoFrames(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    server,
    upgrades,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

function echoFrames(socket: Duplex): void {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const frame = readFrame(buffered);
      if (frame === null) return;
      buffered = buffered.subarray(frame.size);
      socket.write(frameOf(frame.opcode, frame.payload));
      if (frame.opcode === 0x8) {
        socket.end();
        return;
      }
    }
  });
}

interface Frame {
  readonly opcode: number;
  readonly payload: Buffer;
  readonly size: number;
}

function readFrame(data: Buffer): Frame | null {
  if (data.length < 2) return null;
  const opcode = (data[0] as number) & 0x0f;
  const masked = ((data[1] as number) & 0x80) !== 0;
  let length = (data[1] as number) & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return null;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return null;
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const maskAt = offset;
  if (masked) offset += 4;
  if (data.length < offset + length) return null;
  const payload = Buffer.from(data.subarray(offset, offset + length));
  if (masked) {
    for (let i = 0; i < payload.length; i++) {
      payload[i] = (payload[i] as number) ^ (data[maskAt + (i % 4)] as number);
    }
  }
  return { opcode, payload, size: offset + length };
}

function frameOf(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([0x80 | opcode, length])
      : Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff]);
  return Buffer.concat([head, payload]);
}
