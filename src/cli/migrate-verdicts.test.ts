import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObjectResult, Problem } from '../ir/index.ts';
import {
  annotationKeyOf,
  failClosedAnnotations,
  migrationReport,
  shareOf,
  verdictOf,
} from './migrate-verdicts.ts';

function ingress(
  name: string,
  state: ObjectResult['state'],
  problems: readonly Problem[] = [],
  namespace = 'default',
): ObjectResult {
  return { kind: 'Ingress', namespace, name, state, problems };
}

const annotation = (key: string): string => `metadata.annotations[${key}]`;

const UNSUPPORTED_BODY_SIZE: Problem = {
  code: 'UnsupportedAnnotation',
  field: annotation('nginx.ingress.kubernetes.io/proxy-body-size'),
  message: 'nginx.ingress.kubernetes.io/proxy-body-size is not supported: ...',
};
const AUTH_URL: Problem = {
  code: 'AccessControlNotEnforced',
  field: annotation('nginx.ingress.kubernetes.io/auth-url'),
  message: 'nginx.ingress.kubernetes.io/auth-url asks for access control ...',
};

test('accepted without problems: served identically, no differences', () => {
  assert.deepEqual(verdictOf(ingress('plain', 'Accepted')), {
    namespace: 'default',
    name: 'plain',
    verdict: 'served-identically',
    notServedBecause: null,
    differences: [],
  });
});

test('accepted with any problem: served with differences, each one named', () => {
  const problems: Problem[] = [
    UNSUPPORTED_BODY_SIZE,
    { code: 'UnknownAnnotation', field: annotation('nginx.ingress.kubernetes.io/x'), message: 'm' },
    { code: 'IgnoredAnnotation', field: annotation('nginx.ingress.kubernetes.io/y'), message: 'm' },
    { code: 'InvalidRegexPath', field: 'spec.rules[0].http.paths[0].path', message: 'm' },
    { code: 'Conflict', field: 'spec.rules[0].http.paths[0]', message: 'm' },
    { code: 'SecretNotFound', message: 'no field' },
  ];
  const verdict = verdictOf(ingress('mixed', 'Accepted', problems));
  assert.equal(verdict.verdict, 'served-with-differences');
  assert.equal(verdict.notServedBecause, null);
  assert.deepEqual(
    verdict.differences.map((d) => [d.code, d.field]),
    problems.map((p) => [p.code, p.field ?? null]),
  );
});

test('rejected: not served, whatever else it carries', () => {
  const rejected = ingress('broken', 'Rejected', [
    { code: 'InvalidPath', field: 'spec.rules[0].http.paths[0].path', message: 'not absolute' },
  ]);
  const verdict = verdictOf(rejected);
  assert.equal(verdict.verdict, 'not-served');
  assert.equal(verdict.notServedBecause, 'rejected');
  assert.equal(verdict.differences[0]?.code, 'InvalidPath');
});

test('access control not enforced: not served, failing closed, naming the annotations', () => {
  const verdict = verdictOf(ingress('auth', 'Accepted', [AUTH_URL, UNSUPPORTED_BODY_SIZE]));
  assert.equal(verdict.verdict, 'not-served');
  assert.equal(verdict.notServedBecause, 'fails-closed');
  assert.deepEqual(failClosedAnnotations(verdict), ['nginx.ingress.kubernetes.io/auth-url']);
  assert.equal(verdict.differences.length, 2);
});

test('a canary is served: its problems (ignored annotations, conflicts) are differences', () => {
  const ignored: Problem = {
    code: 'IgnoredOnCanary',
    field: annotation('nginx.ingress.kubernetes.io/ssl-redirect'),
    message: 'm',
  };
  const verdict = verdictOf(ingress('c', 'Accepted', [ignored]));
  assert.equal(verdict.verdict, 'served-with-differences');
  assert.equal(verdict.notServedBecause, null);
  assert.equal(verdictOf(ingress('c', 'Accepted', [])).verdict, 'served-identically');
});

test('canary options alone (canary not "true") are only differences', () => {
  const weight: Problem = {
    code: 'UnsupportedAnnotation',
    field: annotation('nginx.ingress.kubernetes.io/canary-weight'),
    message: 'm',
  };
  const verdict = verdictOf(ingress('w', 'Accepted', [weight]));
  assert.equal(verdict.verdict, 'served-with-differences');
});

test('the report: Ingresses only, other classes counted, sorted, summed', () => {
  const results: ObjectResult[] = [
    ingress('z', 'Accepted', [], 'b'),
    ingress('a', 'Accepted', [UNSUPPORTED_BODY_SIZE], 'b'),
    ingress('other', 'Ignored', [{ code: 'NotOurClass', message: 'traefik' }]),
    ingress('auth', 'Accepted', [AUTH_URL], 'a'),
    { kind: 'Service', namespace: 'a', name: 'web', state: 'Accepted', problems: [] },
  ];
  const report = migrationReport(results);
  assert.deepEqual(
    report.ingresses.map((entry) => `${entry.namespace}/${entry.name} ${entry.verdict}`),
    ['a/auth not-served', 'b/a served-with-differences', 'b/z served-identically'],
  );
  assert.deepEqual(report.summary, {
    total: 3,
    servedIdentically: 1,
    servedWithDifferences: 1,
    notServed: 1,
    otherClasses: 1,
  });
});

test('shares are percentages with one decimal, 0 of nothing', () => {
  assert.equal(shareOf(1, 3), 33.3);
  assert.equal(shareOf(2, 3), 66.7);
  assert.equal(shareOf(0, 0), 0);
  assert.equal(shareOf(5, 5), 100);
});

test('annotation keys are read from annotation fields only', () => {
  assert.equal(annotationKeyOf(annotation('a.b/c')), 'a.b/c');
  assert.equal(annotationKeyOf('spec.rules[0]'), null);
  assert.equal(annotationKeyOf(null), null);
});
