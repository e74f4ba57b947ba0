import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieValue } from './cookie-header.ts';

test('finds a cookie among others, with or without spaces and quotes', () => {
  assert.equal(cookieValue('a=1; INGRESSCOOKIE=abc.def; b=2', 'INGRESSCOOKIE'), 'abc.def');
  assert.equal(cookieValue('INGRESSCOOKIE=x', 'INGRESSCOOKIE'), 'x');
  assert.equal(cookieValue('a=1;route="q.r" ', 'route'), 'q.r');
  assert.equal(cookieValue(' \troute = v ;', 'route'), 'v');
  assert.equal(cookieValue('route=', 'route'), '');
});

test('the first of two cookies of the name wins; similar names do not match', () => {
  assert.equal(cookieValue('route=first; route=second', 'route'), 'first');
  assert.equal(cookieValue('xroute=1; routex=2; ROUTE=3', 'route'), undefined);
  assert.equal(cookieValue('route', 'route'), undefined);
  assert.equal(cookieValue('a=route=1', 'route'), undefined);
  assert.equal(cookieValue(undefined, 'route'), undefined);
  assert.equal(cookieValue('=1', ''), undefined);
});

test('fuzz: any header text never throws, and a found value is a piece of the header', () => {
  const alphabet = ['route', '=', ';', ' ', '"', '\t', 'a', '.', '\u0000', 'é', '==', ';;', '\r\n'];
  let seed = 3;
  const next = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed;
  };
  for (let i = 0; i < 20_000; i++) {
    const header = Array.from(
      { length: next() % 12 },
      () => alphabet[next() % alphabet.length],
    ).join('');
    const value = cookieValue(header, 'route');
    if (value !== undefined) assert.ok(header.includes(value), JSON.stringify(header));
  }
  // A long header is read in one pass.
  const long = `${'x=1; '.repeat(20_000)}route=end`;
  assert.equal(cookieValue(long, 'route'), 'end');
});
