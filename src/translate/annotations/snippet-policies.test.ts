import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snippetPolicies } from './snippet-policies.ts';

test('the typed subset becomes header operations, answers and redirects', () => {
  const { policies, notApplied } = snippetPolicies(
    `proxy_hide_header X-Powered-By;
     add_header X-Frame-Options DENY;
     add_header X-Always yes always;
     more_set_headers -s '404 500' "X-Err: 1";
     more_clear_headers Server 'X-Debug-*';
     proxy_set_header X-Tenant $http_x_org;
     more_set_input_headers -r "X-Only: here";
     client_max_body_size 8k;
     chunked_transfer_encoding off;
     rewrite ^/old/(.*)$ /new/$1 permanent;
     location = /robots.txt { default_type text/plain; return 200 "User-agent: *"; }
     set $x 1;
     if ($x) { add_header A b; }`,
    'location',
  );
  assert.deepEqual(notApplied, ['set', 'if']);
  assert.equal(policies.maxBodyBytes, 8192);
  assert.deepEqual(
    policies.responseHeaders?.map((op) => [op.action, op.name, op.statuses?.length ?? 0]),
    [
      ['remove', 'x-powered-by', 0],
      ['add', 'x-frame-options', 10],
      ['add', 'x-always', 0],
      ['set', 'x-err', 2],
      ['remove', 'server', 0],
      ['remove', 'x-debug-', 0],
    ],
  );
  assert.deepEqual(policies.requestHeaders, [
    { action: 'set', name: 'x-tenant', value: [{ variable: 'http_x_org' }] },
    { action: 'set', name: 'x-only', value: [{ text: 'here' }], onlyIfPresent: true },
  ]);
  assert.deepEqual(policies.patternRedirects?.[0]?.location.slice(3), [
    { text: '/new/' },
    { group: 1 },
    { variable: 'is_args' },
    { variable: 'args' },
  ]);
  assert.deepEqual(policies.exactAnswers?.[0]?.answer, {
    kind: 'fixed',
    fixed: { code: 200, body: [{ text: 'User-agent: *' }], contentType: 'text/plain' },
  });
});

test('what cannot be applied is named, with the line and why', () => {
  const { policies, notApplied } = snippetPolicies(
    `add_header "X-Bad\\r\\nInjected: 1" v;
     add_header X-Split "a\\r\\nInjected: 1";
     more_set_headers "Content-Length: 0";
     proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
     proxy_set_header X-Real-IP $remote_addr;
     rewrite ^/a /b last;
     return 302;`,
    'location',
  );
  assert.deepEqual(policies, {});
  assert.deepEqual(notApplied, [
    'add_header (line 1: "X-Bad\\r\\nInjected: 1" is not a header name)',
    'add_header (line 2: the value holds a control character (CR, LF, NUL))',
    'more_set_headers (line 3: content-length is hop by hop or framing, which the proxy alone sets)',
    'proxy_set_header (line 4: the nginx variable $proxy_add_x_forwarded_for is not supported)',
    'proxy_set_header (line 5: x-real-ip is set by pointsman from the connection and --trusted-proxies)',
    'rewrite (line 6: only redirects (permanent, redirect, or an http(s) target) are supported; use rewrite-target for the upstream path)',
    'return (line 7: a redirect needs a URL)',
  ]);
});

test('server scope: what ingress-nginx locations override is not applied', () => {
  const { notApplied } = snippetPolicies(
    'proxy_set_header A b; client_max_body_size 1m;',
    'server',
  );
  assert.equal(notApplied.length, 2);
  assert.match(notApplied[0] ?? '', /locations set proxy headers of their own/);
});

test('a snippet with an access directive adds nothing: its Ingress fails closed', () => {
  assert.deepEqual(snippetPolicies('add_header A b; deny all;', 'location'), {
    policies: {},
    notApplied: [],
  });
});
