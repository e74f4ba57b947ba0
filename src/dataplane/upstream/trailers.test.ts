import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardableTrailers } from './trailers.ts';

test('gRPC and custom trailers pass; framing, connection and pseudo fields do not', () => {
  assert.deepEqual(
    {
      ...forwardableTrailers({
        'grpc-status': '0',
        'grpc-message': 'ok',
        'x-checksum': ['a', 'b'],
        'content-length': '5',
        'transfer-encoding': 'chunked',
        connection: 'close',
        ':status': '200',
        'bad name': 'x',
        'x-gone': undefined,
      }),
    },
    { 'grpc-status': '0', 'grpc-message': 'ok', 'x-checksum': ['a', 'b'] },
  );
});

test('nothing to pass gives null', () => {
  assert.equal(forwardableTrailers(undefined), null);
  assert.equal(forwardableTrailers({}), null);
  assert.equal(forwardableTrailers({ 'content-length': '1' }), null);
});
