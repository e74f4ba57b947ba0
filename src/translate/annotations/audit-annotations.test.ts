import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditAnnotations } from './audit-annotations.ts';
import { INGRESS_NGINX_ANNOTATIONS } from './catalogue.ts';

const NGINX = ['nginx.ingress.kubernetes.io'];
const n = (name: string) => `nginx.ingress.kubernetes.io/${name}`;
const codes = (annotations: Record<string, string>, prefixes = NGINX) =>
  auditAnnotations(annotations, prefixes).problems.map((p) => p.code);

test('every catalogued annotation ends in its stated visible state', () => {
  for (const entry of INGRESS_NGINX_ANNOTATIONS.values()) {
    // A snippet is judged by what it holds: this one is read, and has no access directive.
    const snippet = entry.group === 'ConfigurationSnippet' || entry.group === 'ServerSnippet';
    const audit = auditAnnotations(
      { [n(entry.name)]: snippet ? 'add_header A b;' : 'true' },
      NGINX,
    );
    const expected = {
      honoured: [],
      moot: [],
      'fail-closed': ['AccessControlNotEnforced'],
      unsupported: ['UnsupportedAnnotation'],
    }[entry.support];
    assert.deepEqual(
      audit.problems.map((p) => p.code),
      expected,
      entry.name,
    );
    assert.equal(audit.failClosed.length > 0, entry.support === 'fail-closed', entry.name);
    assert.equal(audit.canary, entry.name === 'canary', entry.name);
  }
});

test('unknown names get the closest known name; other prefixes are left alone', () => {
  const audit = auditAnnotations(
    { [n('rewrite_target')]: '/', [n('zzz')]: 'x', 'example.com/x': 'y', plain: 'z' },
    NGINX,
  );
  assert.deepEqual(
    audit.problems.map((p) => p.message),
    [
      'nginx.ingress.kubernetes.io/rewrite_target is not a known annotation; did you mean rewrite-target?',
      'nginx.ingress.kubernetes.io/zzz is not a known annotation',
    ],
  );
  assert.deepEqual(codes({ 'pointsman.dev/ssl-redirect': 'false' }), []);
  assert.deepEqual(codes({ 'pointsman.dev/sslredirect': 'false' }), ['UnknownAnnotation']);
});

test('aliases, a custom prefix and legacy keys reach the readers in canonical spelling', () => {
  const custom = ['ingress.kubernetes.io', ...NGINX];
  const audit = auditAnnotations(
    {
      'ingress.kubernetes.io/ssl-redirect': 'false',
      [n('ssl-redirect')]: 'true',
      'ingress.kubernetes.io/whitelist-source-range': '10.0.0.0/8',
      [n('secure-backends')]: 'true',
    },
    custom,
  );
  assert.equal(audit.canonical[n('ssl-redirect')], 'false');
  assert.equal(audit.canonical[n('allowlist-source-range')], '10.0.0.0/8');
  assert.equal(audit.canonical[n('backend-protocol')], 'HTTPS');
  // Honoured (source-range-reader.ts), so nothing fails closed at the audit.
  assert.deepEqual(audit.failClosed, []);
  // Without the custom prefix, its keys are nobody's business.
  assert.deepEqual(codes({ 'ingress.kubernetes.io/auth-type': 'basic' }), []);
  assert.deepEqual(codes({ [n('grpc-backend')]: 'true', [n('add-base-url')]: 'true' }), [
    'UnsupportedAnnotation',
  ]);
  const both = auditAnnotations(
    { [n('grpc-backend')]: 'true', [n('backend-protocol')]: 'HTTP' },
    NGINX,
  );
  assert.equal(both.canonical[n('backend-protocol')], 'HTTP');
});

test('snippets: access directives and unreadable snippets fail closed, others pass', () => {
  const denies = auditAnnotations(
    { [n('configuration-snippet')]: 'if ($bad) { return 403; }' },
    NGINX,
  );
  assert.deepEqual(denies.failClosed, [n('configuration-snippet')]);
  const headers = auditAnnotations(
    { [n('server-snippet')]: 'more_set_headers "A: b";\nreturn 301 https://x/;' },
    NGINX,
  );
  assert.deepEqual(headers.failClosed, []);
  // What is not applied is reported by the snippet readers (snippet-reader.ts).
  assert.deepEqual(headers.problems, []);
  const unbalanced = auditAnnotations(
    { [n('server-snippet')]: 'location = /a { return 200;' },
    NGINX,
  );
  assert.deepEqual(unbalanced.failClosed, [n('server-snippet')]);
  assert.match(
    unbalanced.problems[0]?.message ?? '',
    /cannot be read \(a \{ is not closed by \}\)/,
  );
});

test('canary "false" is no canary and no problem', () => {
  const audit = auditAnnotations({ [n('canary')]: 'false' }, NGINX);
  assert.equal(audit.canary, false);
  assert.deepEqual(audit.problems, []);
});

test('a misspelt access-control annotation fails closed like the one it looks like', () => {
  const audit = auditAnnotations(
    { [n('auth-typ')]: 'basic', [n('whitelist-source-rang')]: 'x' },
    NGINX,
  );
  assert.deepEqual(audit.failClosed, [n('auth-typ'), n('whitelist-source-rang')]);
  assert.match(
    audit.problems[0]?.message ?? '',
    /looks like auth-type, which asks for access control/,
  );
});
