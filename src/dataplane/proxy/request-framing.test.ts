import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRequestFraming, type FramingVerdict } from './request-framing.ts';

function verdict(
  transferEncoding: string | undefined,
  more: { cl?: string; version?: string } = {},
): FramingVerdict {
  return checkRequestFraming({ transferEncoding, contentLength: more.cl }, more.version ?? '1.1');
}

test('no Transfer-Encoding, or chunked alone, is sound', () => {
  assert.equal(verdict(undefined), 'ok');
  assert.equal(verdict(undefined, { cl: '5', version: '1.0' }), 'ok');
  assert.equal(verdict('chunked'), 'ok');
  assert.equal(verdict('CHUNKED'), 'ok');
  assert.equal(verdict(' chunked '), 'ok');
  assert.equal(verdict(', chunked'), 'ok', 'empty list elements are ignored');
  assert.equal(verdict('chunked', { version: '2.0' }), 'ok');
});

test('codings that do not end in exactly one chunked leave the length unknown: 400', () => {
  for (const value of [
    'gzip',
    'identity',
    'chunked, gzip',
    'chunked, chunked',
    'chunked, gzip, chunked',
    'Chunked, CHUNKED',
    'chunked;x=1',
    '',
    ' , ',
  ]) {
    assert.equal(verdict(value), 'PM_ERR_BAD_REQUEST', value);
  }
});

test('Transfer-Encoding with Content-Length, or on HTTP/1.0, is 400', () => {
  assert.equal(verdict('chunked', { cl: '5' }), 'PM_ERR_BAD_REQUEST');
  assert.equal(verdict('gzip, chunked', { cl: '0' }), 'PM_ERR_BAD_REQUEST');
  assert.equal(verdict('chunked', { version: '1.0' }), 'PM_ERR_BAD_REQUEST');
  assert.equal(verdict('gzip, chunked', { version: '1.0' }), 'PM_ERR_BAD_REQUEST');
});

test('a sound chunked body under another coding is 501', () => {
  for (const value of [
    'gzip, chunked',
    'identity, chunked',
    'GZIP,chunked',
    'br;q=1, deflate, chunked',
  ]) {
    assert.equal(verdict(value), 'PM_ERR_UNSUPPORTED_TRANSFER_CODING', value);
  }
});
