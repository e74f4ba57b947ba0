import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestHead } from './request-head.ts';
import { parseRequestTarget } from './request-target.ts';

const head = (...raw: string[]) => new RequestHead(raw);

test('origin form: host from the Host header, path up to the query', () => {
  assert.deepEqual(
    parseRequestTarget('/a/b?x=1&y', head('Host', 'Shop.Example.com.:8080'), '1.1'),
    {
      host: 'shop.example.com',
      path: '/a/b',
      hostHeader: 'Shop.Example.com.:8080',
      forwardPath: '/a/b?x=1&y',
    },
  );
});

test('absolute form: host and path from the target, forwarded in origin form', () => {
  assert.deepEqual(parseRequestTarget('http://A.test:81/p?q', head('Host', 'other'), '1.1'), {
    host: 'a.test',
    path: '/p',
    hostHeader: 'A.test:81',
    forwardPath: '/p?q',
  });
  assert.equal(parseRequestTarget('HTTPS://a.test', head('Host', 'a'), '1.1')?.forwardPath, '/');
  assert.equal(parseRequestTarget('http://a.test?q', head('Host', 'a'), '1.1')?.forwardPath, '/?q');
});

test('refused: no Host on 1.1, two Hosts, bad Host, userinfo, other target forms', () => {
  assert.equal(parseRequestTarget('/', head(), '1.1'), null);
  assert.equal(parseRequestTarget('/', head('Host', 'a', 'host', 'b'), '1.1'), null);
  assert.equal(parseRequestTarget('/', head('Host', 'a b'), '1.1'), null);
  assert.equal(parseRequestTarget('/', head('Host', 'a:port'), '1.1'), null);
  assert.equal(parseRequestTarget('http://u@a.test/', head('Host', 'a'), '1.1'), null);
  assert.equal(parseRequestTarget('a.test:443', head('Host', 'a'), '1.1'), null);
  assert.equal(parseRequestTarget('ftp://a.test/', head('Host', 'a'), '1.1'), null);
});

test('HTTP/1.0 without Host routes with the empty host; asterisk form is kept', () => {
  assert.equal(parseRequestTarget('/x', head(), '1.0')?.host, '');
  assert.equal(parseRequestTarget('*', head('Host', 'a'), '1.1')?.forwardPath, '*');
});
