import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { before, test } from 'node:test';
import { connect, type ConnectionOptions } from 'node:tls';
import fc from 'fast-check';
import { readClientHello } from './client-hello.ts';

/**
 * Captures the first flight a real node:tls client sends (its ClientHello records): a plain TCP
 * server reads until the records' lengths say they are whole, and never answers.
 */
async function captureClientHello(options: ConnectionOptions): Promise<Buffer> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
  client.on('error', () => undefined);
  const [socket] = await accepted;
  let bytes = Buffer.alloc(0);
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    bytes = Buffer.concat([bytes, chunk]);
    if (readClientHello(bytes).kind !== 'incomplete') break;
  }
  client.destroy();
  socket.destroy();
  server.close();
  return bytes;
}

/** Splits one ClientHello record into records of at most `size` fragment bytes. */
function refragment(hello: Buffer, size: number): Buffer {
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const records: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const fragment = body.subarray(at, at + size);
    const header = Buffer.from([22, 3, 1, 0, 0]);
    header.writeUInt16BE(fragment.length, 3);
    records.push(header, fragment);
  }
  return Buffer.concat(records);
}

let tls13: Buffer;
let tls12: Buffer;
let noName: Buffer;
let longName: Buffer;
const LONG = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example.com`;

before(async () => {
  tls13 = await captureClientHello({ servername: 'Shop.Example.com' });
  tls12 = await captureClientHello({ servername: 'api.example.com', maxVersion: 'TLSv1.2' });
  noName = await captureClientHello({});
  longName = await captureClientHello({ servername: LONG, ALPNProtocols: ['h2', 'http/1.1'] });
});

test('reads the server name of real ClientHellos, lower case', () => {
  assert.deepEqual(readClientHello(tls13), { kind: 'hello', serverName: 'shop.example.com' });
  assert.deepEqual(readClientHello(tls12), { kind: 'hello', serverName: 'api.example.com' });
  assert.deepEqual(readClientHello(longName), { kind: 'hello', serverName: LONG });
});

test('a ClientHello without SNI has no name', () => {
  assert.deepEqual(readClientHello(noName), { kind: 'hello', serverName: null });
});

test('every prefix of a ClientHello is incomplete: split at every byte, it still reads', () => {
  for (const hello of [tls13, tls12, noName, longName]) {
    for (let cut = 0; cut < hello.length; cut++) {
      assert.deepEqual(readClientHello(hello.subarray(0, cut)), { kind: 'incomplete' }, `${cut}`);
    }
  }
});

test('a ClientHello fragmented over several TLS records reads the same', () => {
  for (const size of [1, 2, 3, 7, 64, 500]) {
    const records = refragment(tls13, size);
    assert.deepEqual(readClientHello(records), { kind: 'hello', serverName: 'shop.example.com' });
    for (let cut = 0; cut < records.length; cut += 1 + Math.floor(records.length / 97)) {
      assert.equal(readClientHello(records.subarray(0, cut)).kind, 'incomplete', `${size}/${cut}`);
    }
  }
});

test('bytes after the ClientHello (early data) do not matter', () => {
  const early = Buffer.from([23, 3, 3, 0, 2, 0xaa, 0xbb]);
  assert.deepEqual(readClientHello(Buffer.concat([tls13, early])), {
    kind: 'hello',
    serverName: 'shop.example.com',
  });
});

test('what is not a TLS ClientHello is other', () => {
  assert.deepEqual(readClientHello(Buffer.from('GET / HTTP/1.1\r\n')), { kind: 'other' });
  assert.deepEqual(readClientHello(Buffer.from('PRI * HTTP/2.0')), { kind: 'other' });
  // An alert record, a handshake of another type, a bad record version.
  assert.equal(readClientHello(Buffer.from([21, 3, 3, 0, 2, 2, 40])).kind, 'other');
  assert.equal(readClientHello(Buffer.from([22, 3, 3, 0, 4, 2, 0, 0, 0])).kind, 'other');
  assert.equal(readClientHello(Buffer.from([22, 9, 3, 0, 4, 1, 0, 0, 0])).kind, 'other');
  // A handshake record cut short by an application data record can never complete.
  const cut = Buffer.from(tls13.subarray(0, 40));
  cut.writeUInt16BE(35, 3);
  assert.equal(
    readClientHello(Buffer.concat([cut, Buffer.from([23, 3, 3, 0, 1, 0])])).kind,
    'other',
  );
});

test('a host name with bytes no DNS name has is other', () => {
  const at = tls13.indexOf('Shop.Example.com', 0, 'latin1');
  assert.ok(at > 0);
  const bad = Buffer.from(tls13);
  bad.write('shop/example.com', at, 'latin1');
  assert.equal(readClientHello(bad).kind, 'other');
});

test('fuzz: never throws, and always answers one of the three kinds', () => {
  const kinds = new Set(['incomplete', 'other', 'hello']);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      assert.ok(kinds.has(readClientHello(bytes).kind));
    }),
    { numRuns: 3000 },
  );
  // Mutations of a real ClientHello reach the deep branches.
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat({ max: tls13.length - 1 }), fc.integer({ min: 0, max: 255 })), {
        maxLength: 6,
      }),
      fc.nat({ max: tls13.length }),
      (edits, length) => {
        const bytes = Buffer.from(tls13.subarray(0, length));
        for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
        const read = readClientHello(bytes);
        assert.ok(kinds.has(read.kind));
        if (read.kind === 'hello' && read.serverName !== null) {
          assert.ok(read.serverName.length <= 255);
        }
      },
    ),
    { numRuns: 3000 },
  );
});
