import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSecureContext } from 'node:tls';
import { buildSniResolver } from './sni-resolver.ts';

test('exact host first, then the wildcard one label up, then the default', () => {
  const exact = createSecureContext();
  const wildcard = createSecureContext();
  const fallback = createSecureContext();
  const resolver = buildSniResolver(
    new Map([
      ['a.foo.com', exact],
      ['*.foo.com', wildcard],
    ]),
    fallback,
  );
  assert.equal(resolver.resolve('a.foo.com'), exact);
  assert.equal(resolver.resolve('A.Foo.COM.'), exact, 'case and a trailing dot do not matter');
  assert.equal(resolver.resolve('b.foo.com'), wildcard);
  assert.equal(resolver.resolve('foo.com'), fallback);
  assert.equal(resolver.resolve('x.b.foo.com'), fallback, 'a wildcard covers one label');
  assert.equal(resolver.resolve('other.example'), fallback);
  assert.equal(resolver.resolve(''), fallback);
  assert.equal(resolver.fallback, fallback);
});
