import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardHeaders, type ForwardContext } from './forward-headers.ts';
import { RequestHead } from './request-head.ts';

const CONTEXT: ForwardContext = {
  client: '192.0.2.7',
  trusted: false,
  proto: 'http',
  port: '80',
  host: 'a.test',
  requestId: 'rid',
};

function pairs(list: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < list.length; i += 2) out.push([list[i] as string, list[i + 1] as string]);
  return out;
}

test('hop-by-hop, Proxy-*, Expect and Connection-named headers are dropped', () => {
  const raw = [
    'Host',
    'a.test',
    'Connection',
    'keep-alive, X-Gone',
    'X-Gone',
    '1',
    'Keep-Alive',
    '5',
    'TE',
    'trailers',
    'Trailer',
    'X',
    'Transfer-Encoding',
    'chunked',
    'Upgrade',
    'x',
    'Proxy-Authorization',
    'secret',
    'Proxy-Whatever',
    'y',
    'Expect',
    '100-continue',
    'Content-Length',
    '3',
    'Cookie',
    'a=1',
    'Cookie',
    'b=2',
  ];
  const out = pairs(forwardHeaders(raw, new RequestHead(raw), CONTEXT));
  assert.deepEqual(out.slice(0, 4), [
    ['host', 'a.test'],
    ['Content-Length', '3'],
    ['Cookie', 'a=1'],
    ['Cookie', 'b=2'],
  ]);
  assert.deepEqual(out.slice(4), [
    ['x-forwarded-for', '192.0.2.7'],
    ['x-forwarded-host', 'a.test'],
    ['x-forwarded-proto', 'http'],
    ['x-forwarded-port', '80'],
    ['x-real-ip', '192.0.2.7'],
    ['x-request-id', 'rid'],
  ]);
});

test('untrusted: forwarded values are replaced, the For chain too', () => {
  const raw = [
    'X-Forwarded-For',
    '203.0.113.1',
    'x-forwarded-for',
    '198.51.100.2',
    'X-Forwarded-Proto',
    'https',
    'X-Forwarded-Host',
    'evil.test',
    'X-Forwarded-Port',
    '443',
    'X-Real-IP',
    '203.0.113.1',
    'X-Request-ID',
    'theirs',
  ];
  const out = new Map(pairs(forwardHeaders(raw, new RequestHead(raw), CONTEXT)));
  assert.equal(out.get('x-forwarded-for'), '192.0.2.7');
  assert.equal(out.get('x-forwarded-proto'), 'http');
  assert.equal(out.get('x-forwarded-host'), 'a.test');
  assert.equal(out.get('x-forwarded-port'), '80');
  assert.equal(out.get('x-real-ip'), '192.0.2.7');
  assert.equal(out.get('x-request-id'), 'rid');
  assert.equal(out.size, 6 + 1);
});

test('trusted: forwarded values are kept, the For chain extended', () => {
  const raw = [
    'X-Forwarded-For',
    '203.0.113.1',
    'X-Forwarded-Proto',
    'https',
    'X-Forwarded-Host',
    'public.test',
    'X-Forwarded-Port',
    '443',
    'X-Real-IP',
    '203.0.113.1',
  ];
  const out = new Map(
    pairs(
      forwardHeaders(raw, new RequestHead(raw), {
        ...CONTEXT,
        client: '203.0.113.1',
        hop: '192.0.2.7',
        trusted: true,
      }),
    ),
  );
  assert.equal(out.get('x-forwarded-for'), '203.0.113.1, 192.0.2.7');
  assert.equal(out.get('x-forwarded-proto'), 'https');
  assert.equal(out.get('x-forwarded-host'), 'public.test');
  assert.equal(out.get('x-forwarded-port'), '443');
  assert.equal(out.get('x-real-ip'), '203.0.113.1');
});

test('with the client address unknown, only a trusted chain is sent', () => {
  const raw = ['X-Forwarded-For', '203.0.113.1'];
  const head = new RequestHead(raw);
  const untrusted = pairs(forwardHeaders(raw, head, { ...CONTEXT, client: '' }));
  assert.equal(untrusted.filter(([name]) => name === 'x-forwarded-for').length, 0);
  const trusted = new Map(
    pairs(forwardHeaders(raw, head, { ...CONTEXT, client: '', trusted: true })),
  );
  assert.equal(trusted.get('x-forwarded-for'), '203.0.113.1');
});

test('a tunnel keeps Connection: upgrade and its Upgrade value', () => {
  const raw = ['Host', 'a.test', 'Connection', 'Upgrade', 'Upgrade', 'websocket'];
  const out = pairs(
    forwardHeaders(raw, new RequestHead(raw), { ...CONTEXT, upgrade: 'websocket' }),
  );
  assert.deepEqual(out.slice(-2), [
    ['connection', 'upgrade'],
    ['upgrade', 'websocket'],
  ]);
});

test('RequestHead reads framing and body presence', () => {
  assert.equal(new RequestHead(['Content-Length', '0']).hasBody, false);
  assert.equal(new RequestHead(['Content-Length', '5']).hasBody, true);
  assert.equal(new RequestHead(['Transfer-Encoding', 'chunked']).hasBody, true);
  assert.equal(new RequestHead([]).hasBody, false);
  const head = new RequestHead(['Host', 'a', 'HOST', 'b', 'Accept', 'text/html', 'accept', '*/*']);
  assert.equal(head.host, 'a');
  assert.equal(head.hostCount, 2);
  assert.equal(head.accept, 'text/html, */*');
});

test('TE: trailers is kept for HTTP/2 upstreams only, as the one TE value', () => {
  const raw = ['Host', 'a.test', 'TE', 'gzip, trailers;q=1'];
  const head = new RequestHead(raw);
  const h2 = pairs(forwardHeaders(raw, head, { ...CONTEXT, keepTeTrailers: true }));
  assert.deepEqual(
    h2.filter(([name]) => name.toLowerCase() === 'te'),
    [['te', 'trailers']],
  );
  const h1 = pairs(forwardHeaders(raw, head, CONTEXT));
  assert.equal(h1.filter(([name]) => name.toLowerCase() === 'te').length, 0);
  const noTrailers = ['Host', 'a.test', 'TE', 'gzip'];
  const none = forwardHeaders(noTrailers, new RequestHead(noTrailers), {
    ...CONTEXT,
    keepTeTrailers: true,
  });
  assert.equal(pairs(none).filter(([name]) => name === 'te').length, 0);
});

test('upstream-vhost sets the Host sent; X-Forwarded-Host keeps the client’s', () => {
  const raw = ['Host', 'a.test'];
  const sent = pairs(
    forwardHeaders(raw, new RequestHead(raw), { ...CONTEXT, upstreamHost: 'b.svc' }),
  );
  assert.deepEqual(
    sent.filter(([name]) => name === 'host' || name === 'x-forwarded-host'),
    [
      ['host', 'b.svc'],
      ['x-forwarded-host', 'a.test'],
    ],
  );
});

test('x-forwarded-prefix replaces the client’s X-Forwarded-Prefix; without it, it is kept', () => {
  const raw = ['Host', 'a.test', 'X-Forwarded-Prefix', '/evil'];
  const head = new RequestHead(raw);
  const prefixed = pairs(forwardHeaders(raw, head, { ...CONTEXT, forwardedPrefix: '/api' }));
  assert.deepEqual(
    prefixed.filter(([name]) => name.toLowerCase() === 'x-forwarded-prefix'),
    [['x-forwarded-prefix', '/api']],
  );
  const plain = pairs(forwardHeaders(raw, head, CONTEXT));
  assert.deepEqual(
    plain.filter(([name]) => name.toLowerCase() === 'x-forwarded-prefix'),
    [['X-Forwarded-Prefix', '/evil']],
  );
});

test('a client-sent ssl-client-* header never goes upstream; a grant (editRequest) sets it', () => {
  const raw = [
    'Host',
    'a.test',
    'SSL-Client-Verify',
    'SUCCESS',
    'ssl-client-subject-dn',
    'CN=admin',
    'ssl-client-issuer-dn',
    'CN=forged',
    'Ssl-Client-Cert',
    'forged',
  ];
  const names = (list: readonly string[]): string[] =>
    pairs(list).map(([name]) => name.toLowerCase());
  const open = forwardHeaders(raw, new RequestHead(raw), CONTEXT);
  assert.ok(!names(open).some((name) => name.startsWith('ssl-client-')));
  const granted = forwardHeaders(raw, new RequestHead(raw), {
    ...CONTEXT,
    editRequest: (headers) => [...headers, 'ssl-client-verify', 'NONE'],
  });
  assert.deepEqual(
    pairs(granted).filter(([name]) => name.startsWith('ssl-client-')),
    [['ssl-client-verify', 'NONE']],
  );
});
