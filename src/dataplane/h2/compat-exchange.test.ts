import assert from 'node:assert/strict';
import { test } from 'node:test';
import { http1RawHeaders } from './compat-exchange.ts';

const BASE = [
  ':method',
  'GET',
  ':scheme',
  'https',
  ':path',
  '/a',
  ':authority',
  'Shop.example.com',
];

test(':authority becomes the first Host; other pseudo-headers are dropped', () => {
  assert.deepEqual(http1RawHeaders([...BASE, 'accept', '*/*'], true), [
    'host',
    'Shop.example.com',
    'accept',
    '*/*',
  ]);
});

test('a Host equal to :authority is merged; a different one stays, making two (refused)', () => {
  assert.deepEqual(http1RawHeaders([...BASE, 'host', 'shop.example.com'], true), [
    'host',
    'Shop.example.com',
  ]);
  assert.deepEqual(http1RawHeaders([...BASE, 'host', 'evil.example.com'], true), [
    'host',
    'Shop.example.com',
    'host',
    'evil.example.com',
  ]);
});

test('without :authority a Host header is used as sent', () => {
  assert.deepEqual(http1RawHeaders([':method', 'GET', 'host', 'h.example.com'], true), [
    'host',
    'h.example.com',
  ]);
});

test('split cookies are joined with "; " (RFC 9113 section 8.2.3)', () => {
  assert.deepEqual(http1RawHeaders([...BASE, 'cookie', 'a=1', 'cookie', 'b=2'], true), [
    'host',
    'Shop.example.com',
    'cookie',
    'a=1; b=2',
  ]);
});

test('a body of unknown length is marked chunked; a declared length is kept', () => {
  assert.deepEqual(http1RawHeaders(BASE, false), [
    'host',
    'Shop.example.com',
    'transfer-encoding',
    'chunked',
  ]);
  assert.deepEqual(http1RawHeaders([...BASE, 'content-length', '5'], false), [
    'host',
    'Shop.example.com',
    'content-length',
    '5',
  ]);
});
