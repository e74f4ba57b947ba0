import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { acceptProxyHeader, type ProxyHeader } from './accept-proxy-header.ts';

/** A server that reads a PROXY header from each connection, then echoes what follows once. */
async function serverWith(
  timeoutMs: number,
  seen: (header: ProxyHeader | string) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer((socket: Socket) => {
    acceptProxyHeader(socket, { timeoutMs, onRejected: seen }, (header) => {
      seen(header);
      socket.once('data', (rest: Buffer) => socket.end(rest));
      socket.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

/** Writes `chunks` one by one, then reads until the server closes (bounded: 5 s). */
async function talk(port: number, chunks: readonly Buffer[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    socket.on('data', (chunk: Buffer) => got.push(chunk));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(got).toString('latin1'));
    });
  });
}

test('the header is taken off; the bytes after it reach the next reader, over several reads', async () => {
  const seen: (ProxyHeader | string)[] = [];
  const { server, port } = await serverWith(2_000, (header) => seen.push(header));
  try {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.1 1234 80\r\n';
    const echoed = await talk(port, [
      Buffer.from(line.slice(0, 9)),
      Buffer.from(`${line.slice(9)}hello`),
    ]);
    assert.equal(echoed, 'hello');
    assert.deepEqual((seen[0] as ProxyHeader).source, { address: '203.0.113.7', port: 1234 });
  } finally {
    server.close();
  }
});

test('garbage, an over-long header and silence are closed without an answer', async () => {
  const seen: (ProxyHeader | string)[] = [];
  const { server, port } = await serverWith(300, (header) => seen.push(header));
  try {
    assert.equal(await talk(port, [Buffer.from('GET / HTTP/1.1\r\n\r\n')]), '');
    assert.equal(await talk(port, [Buffer.from(`PROXY UNKNOWN ${'x'.repeat(200)}`)]), '');
    const started = Date.now();
    assert.equal(await talk(port, [Buffer.from('PROXY TCP4 1.2.3.4')]), '');
    assert.ok(Date.now() - started < 3_000, 'closed by the header timeout');
    assert.deepEqual(seen, [
      'the connection does not open with a PROXY protocol header',
      'v1 header: longer than 107 bytes',
      'no PROXY header in time',
    ]);
  } finally {
    server.close();
  }
});
