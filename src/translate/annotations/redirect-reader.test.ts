import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRedirect } from './redirect-reader.ts';

const n = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;
const fields = (read: ReturnType<typeof readRedirect>): (string | undefined)[] =>
  read.problems.map((p) => p.field);

test('no redirect annotations, no policy', () => {
  assert.deepEqual(readRedirect({}), { policies: {}, problems: [] });
  assert.deepEqual(readRedirect({ [n('permanent-redirect')]: '' }), { policies: {}, problems: [] });
  // A code alone has nothing to apply to.
  assert.deepEqual(readRedirect({ [n('permanent-redirect-code')]: '308' }).policies, {});
});

test('permanent-redirect: 301 by default, any code in 300-308', () => {
  const read = readRedirect({ [n('permanent-redirect')]: 'https://example.com/new' });
  assert.deepEqual(read, {
    policies: {
      redirect: { code: 301, location: [{ text: 'https://example.com/new' }], onlyRoot: false },
    },
    problems: [],
  });
  for (const code of ['300', '308', '303']) {
    const coded = readRedirect({
      [n('permanent-redirect')]: '/x',
      [n('permanent-redirect-code')]: code,
    });
    assert.equal(coded.policies.redirect?.code, Number(code));
    assert.deepEqual(coded.problems, []);
  }
});

test('a code out of range or not a number falls back to the default, with a problem', () => {
  for (const code of ['299', '309', '404', 'abc', '30 1', '']) {
    const read = readRedirect({
      [n('permanent-redirect')]: '/x',
      [n('permanent-redirect-code')]: code,
    });
    assert.equal(read.policies.redirect?.code, 301, code);
    assert.deepEqual(
      fields(read),
      code === '' ? [] : [`metadata.annotations[${n('permanent-redirect-code')}]`],
    );
  }
  // temporal-redirect-code stops at 307, as in ingress-nginx.
  const temporal = readRedirect({
    [n('temporal-redirect')]: '/x',
    [n('temporal-redirect-code')]: '308',
  });
  assert.equal(temporal.policies.redirect?.code, 302);
  assert.match(temporal.problems[0]?.message ?? '', /not in 300-307/);
  const ok = readRedirect({ [n('temporal-redirect')]: '/x', [n('temporal-redirect-code')]: '307' });
  assert.equal(ok.policies.redirect?.code, 307);
});

test('temporal-redirect wins over permanent-redirect; a bad one leaves the other', () => {
  const both = readRedirect({
    [n('permanent-redirect')]: 'https://p.example/',
    [n('temporal-redirect')]: 'https://t.example/',
  });
  assert.deepEqual(both.policies.redirect, {
    code: 302,
    location: [{ text: 'https://t.example/' }],
    onlyRoot: false,
  });
  const badTemporal = readRedirect({
    [n('permanent-redirect')]: 'https://p.example/',
    [n('temporal-redirect')]: 'ftp://t.example/',
  });
  assert.equal(badTemporal.policies.redirect?.code, 301);
  assert.deepEqual(fields(badTemporal), [`metadata.annotations[${n('temporal-redirect')}]`]);
});

test('a path target is made absolute with the request scheme and host, as nginx does', () => {
  const read = readRedirect({ [n('permanent-redirect')]: '/moved?from=$uri' });
  assert.deepEqual(read.policies.redirect?.location, [
    { variable: 'scheme' },
    { text: '://' },
    { variable: 'host' },
    { text: '/moved?from=' },
    { variable: 'uri' },
  ]);
});

test('variables are parsed once into parts', () => {
  const read = readRedirect({ [n('permanent-redirect')]: '$scheme://example.com$request_uri' });
  assert.deepEqual(read.policies.redirect?.location, [
    { variable: 'scheme' },
    { text: '://example.com' },
    { variable: 'request_uri' },
  ]);
  const host = readRedirect({ [n('temporal-redirect')]: 'https://${host}/a?b=$arg_b' });
  assert.deepEqual(host.problems, []);
});

test('URLs that are not absolute http(s) or a path are ignored, saying why', () => {
  const bad: [string, RegExp][] = [
    ['example.com/x', /neither an absolute http\(s\) URL nor a path/],
    ['javascript:alert(1)', /neither/],
    ['https://', /neither/],
    ['/a b', /only URL characters/],
    ['/a\r\nSet-Cookie: x=y', /only URL characters/],
    ['/caf\u00e9', /only URL characters/],
    ['/a%zz', /%XX/],
    ['/$document_root', /\$document_root is not supported/],
    ['$host/x', /neither/],
    [`/${'a'.repeat(5000)}`, /longer than 4096/],
  ];
  for (const [value, reason] of bad) {
    const read = readRedirect({ [n('permanent-redirect')]: value });
    assert.deepEqual(read.policies, {}, value);
    assert.equal(read.problems[0]?.code, 'IgnoredAnnotation');
    assert.match(read.problems[0].message, reason, value);
  }
});

test('app-root: 302 to $scheme://$http_host and the root, for / only', () => {
  const read = readRedirect({ [n('app-root')]: '/app1' });
  assert.deepEqual(read, {
    policies: {
      redirect: {
        code: 302,
        location: [
          { variable: 'scheme' },
          { text: '://' },
          { variable: 'http_host' },
          { text: '/app1' },
        ],
        onlyRoot: true,
      },
    },
    problems: [],
  });
  for (const bad of ['app1', 'https://example.com/app', '/a?b', '/a b', '/$nope']) {
    const ignored = readRedirect({ [n('app-root')]: bad });
    assert.deepEqual(ignored.policies, {}, bad);
    assert.deepEqual(fields(ignored), [`metadata.annotations[${n('app-root')}]`]);
  }
});

test('app-root beside a redirect of every request is ignored, with a problem', () => {
  const read = readRedirect({ [n('app-root')]: '/app', [n('permanent-redirect')]: '/moved' });
  assert.equal(read.policies.redirect?.onlyRoot, false);
  assert.match(
    read.problems[0]?.message ?? '',
    /app-root has no effect alongside .*permanent-redirect/,
  );
});
