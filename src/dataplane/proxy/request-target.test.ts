import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestHead } from './request-head.ts';
import { requestTargetOf } from './request-target.ts';

const head = (...raw: string[]) => new RequestHead(raw);

test('origin form: host from the Host header, path up to the query', () => {
  assert.deepEqual(requestTargetOf('/a/b?x=1&y', head('Host', 'Shop.Example.com.:8080'), '1.1'), {
    host: 'shop.example.com',
    path: '/a/b',
    hostHeader: 'Shop.Example.com.:8080',
    forwardPath: '/a/b?x=1&y',
  });
});

test('the path forwarded is the path matched, the query as sent', () => {
  const target = requestTargetOf('//a/./b/../%63?x=/../%2F', head('Host', 'a.test'), '1.1');
  assert.deepEqual(target, {
    host: 'a.test',
    path: '/a/c',
    hostHeader: 'a.test',
    forwardPath: '/a/c?x=/../%2F',
  });
});

test('absolute form: host and path from the target, forwarded in origin form', () => {
  assert.deepEqual(requestTargetOf('http://A.test:81/p/../q?r', head('Host', 'other'), '1.1'), {
    host: 'a.test',
    path: '/q',
    hostHeader: 'A.test:81',
    forwardPath: '/q?r',
  });
  const forwardPath = (url: string) => {
    const target = requestTargetOf(url, head('Host', 'a'), '1.1');
    return typeof target === 'string' ? target : target.forwardPath;
  };
  assert.equal(forwardPath('HTTPS://a.test'), '/');
  assert.equal(forwardPath('http://a.test?q'), '/?q');
  assert.equal(forwardPath('http://a.test#f'), 'PM_ERR_BAD_PATH');
});

test('refused with 400 PM_ERR_BAD_REQUEST: Host problems and other target forms', () => {
  const bad = [
    requestTargetOf('/', head(), '1.1'),
    requestTargetOf('/', head('Host', 'a', 'host', 'b'), '1.1'),
    requestTargetOf('/', head('Host', 'a b'), '1.1'),
    requestTargetOf('/', head('Host', 'a:port'), '1.1'),
    requestTargetOf('http://u@a.test/', head('Host', 'a'), '1.1'),
    requestTargetOf('a.test:443', head('Host', 'a'), '1.1'),
    requestTargetOf('ftp://a.test/', head('Host', 'a'), '1.1'),
  ];
  for (const target of bad) assert.equal(target, 'PM_ERR_BAD_REQUEST');
});

test('refused with 400 PM_ERR_BAD_PATH: paths a backend could read as another path', () => {
  for (const url of ['/a#b', '/a/..%2fb', '/a\\b', '/%zz', '/a/..;/b', 'http://a.test/%5C']) {
    assert.equal(requestTargetOf(url, head('Host', 'a.test'), '1.1'), 'PM_ERR_BAD_PATH', url);
  }
});

test('HTTP/1.0 without Host routes with the empty host; asterisk form is kept', () => {
  const noHost = requestTargetOf('/x', head(), '1.0');
  assert.equal(typeof noHost === 'string' ? noHost : noHost.host, '');
  const asterisk = requestTargetOf('*', head('Host', 'a'), '1.1');
  assert.equal(typeof asterisk === 'string' ? asterisk : asterisk.forwardPath, '*');
});
