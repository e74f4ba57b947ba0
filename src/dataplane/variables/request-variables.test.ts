import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FIXED_TEMPLATE_VARIABLES, type TemplatePart } from '../../ir/index.ts';
import { expandTemplate, type RequestFacts } from './request-variables.ts';

const FACTS: RequestFacts = {
  scheme: 'https',
  host: 'shop.example',
  hostHeader: 'Shop.Example:8443',
  url: '/a/./b?id=7&Lang=en',
  path: '/a/b',
  forwardPath: '/a/b?id=7&Lang=en',
  serverPort: '8443',
  method: 'POST',
  client: '192.0.2.1',
  rawHeaders: ['X-Tenant', 'blue', 'x-tenant', 'green', 'User-Agent', 'curl'],
};

const expand = (...names: string[]): string[] =>
  names.map((variable) => expandTemplate([{ variable }], FACTS));

test('every fixed variable is filled in from the request', () => {
  assert.deepEqual(expand(...FIXED_TEMPLATE_VARIABLES), [
    'https',
    'shop.example',
    'Shop.Example:8443',
    '/a/./b?id=7&Lang=en',
    '/a/b',
    'id=7&Lang=en',
    'id=7&Lang=en',
    '?',
    '8443',
    'POST',
    '192.0.2.1',
    '%C0%00%02%01',
    '%2Fa%2F.%2Fb%3Fid%3D7%26Lang%3Den',
    'https',
  ]);
});

test('cookies (first of that name, any case) and the binary client address', () => {
  const facts: RequestFacts = {
    ...FACTS,
    client: '2001:db8::ffff:192.0.2.1',
    rawHeaders: ['Cookie', 'a=1; Session=xyz', 'cookie', 'session=later'],
  };
  const fill = (variable: string): string => expandTemplate([{ variable }], facts);
  assert.equal(fill('cookie_session'), 'xyz');
  assert.equal(fill('cookie_a'), '1');
  assert.equal(fill('cookie_none'), '');
  // 16 bytes: 2001 0db8, three zero groups, ffff c000 0201.
  assert.equal(fill('binary_remote_addr'), '%20%01%0D%B8%00%00%00%00%00%00%FF%FF%C0%00%02%01');
});

test('headers (every value, _ for -) and arguments (first, any case); absent ones are empty', () => {
  assert.deepEqual(expand('http_x_tenant', 'http_user_agent', 'http_x_none'), [
    'blue,%20green',
    'curl',
    '',
  ]);
  assert.deepEqual(expand('arg_id', 'arg_lang', 'arg_none'), ['7', 'en', '']);
});

test('an absolute-form target gives $request_uri in origin form; no query, no $is_args', () => {
  const facts = { ...FACTS, url: 'http://shop.example/x', forwardPath: '/x' };
  const parts: TemplatePart[] = [{ variable: 'request_uri' }, { variable: 'is_args' }];
  assert.equal(expandTemplate(parts, facts), '/x');
});

test('literal text is kept; request values outside visible ASCII are percent-encoded', () => {
  const facts = {
    ...FACTS,
    url: '/p\r\nSet-Cookie: a=b',
    rawHeaders: ['X-A', 'caf\u00e9 \u0000\u2603'],
  };
  const parts: TemplatePart[] = [
    { text: 'https://example.com' },
    { variable: 'request_uri' },
    { text: '#' },
    { variable: 'http_x_a' },
  ];
  assert.equal(
    expandTemplate(parts, facts),
    'https://example.com/p%0D%0ASet-Cookie:%20a=b#caf%E9%20%00%E2%98%83',
  );
});

test('fuzz: whatever the client sends, a filled-in value is visible ASCII only', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ maxLength: 40 }),
      (a, b) => {
        const facts = { ...FACTS, url: `/${a}`, rawHeaders: ['x-v', b], hostHeader: b };
        const parts: TemplatePart[] = [
          { variable: 'request_uri' },
          { variable: 'http_x_v' },
          { variable: 'http_host' },
          { variable: 'arg_x' },
        ];
        assert.match(expandTemplate(parts, facts), /^[\x21-\x7e]*$/);
      },
    ),
    { numRuns: 1000 },
  );
});
