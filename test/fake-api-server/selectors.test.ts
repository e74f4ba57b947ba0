import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesFields, parseFieldSelector } from './field-selector.ts';
import { matchesLabels, parseLabelSelector } from './label-selector.ts';
import { findByKind } from './resources.ts';

function labelsMatch(selector: string, labels: Record<string, string>): boolean {
  const parsed = parseLabelSelector(selector);
  assert.ok(parsed.ok, `"${selector}" should parse`);
  return matchesLabels(parsed.requirements, labels);
}

test('label selector: equality, inequality, sets and existence', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };
  assert.equal(labelsMatch('', labels), true);
  assert.equal(labelsMatch('app=web', labels), true);
  assert.equal(labelsMatch('app==web', labels), true);
  assert.equal(labelsMatch('app=db', labels), false);
  assert.equal(labelsMatch('app!=db', labels), true);
  assert.equal(labelsMatch('missing!=x', labels), true);
  assert.equal(labelsMatch('app in (db, web)', labels), true);
  assert.equal(labelsMatch('app notin (db,web)', labels), false);
  assert.equal(labelsMatch('missing notin (x)', labels), true);
  assert.equal(labelsMatch('tier', labels), true);
  assert.equal(labelsMatch('!tier', labels), false);
  assert.equal(labelsMatch('!missing', labels), true);
  assert.equal(labelsMatch('example.com/team=a,app=web', labels), true);
  assert.equal(labelsMatch('example.com/team=a,app=db', labels), false);
});

test('label selector: numeric comparisons', () => {
  assert.equal(labelsMatch('n>3', { n: '5' }), true);
  assert.equal(labelsMatch('n<3', { n: '5' }), false);
  assert.equal(labelsMatch('n>3', { n: 'x' }), false);
});

test('label selector: malformed input is an error, never a throw', () => {
  for (const bad of [
    'app=',
    'a b',
    'app in db',
    'app in (a',
    '=x',
    'app=web,',
    'Bad Key=x',
    'a=(b)',
    'a=b=c',
  ]) {
    const parsed = parseLabelSelector(bad);
    if (bad === 'app=') assert.ok(parsed.ok, 'an empty value is allowed');
    else assert.equal(parsed.ok, false, `"${bad}" should not parse`);
  }
});

test('field selector: metadata fields, Secret type, = == and !=', () => {
  const secret = findByKind('Secret');
  assert.ok(secret);
  const object = { metadata: { name: 'tls', namespace: 'web' }, type: 'kubernetes.io/tls' };
  const match = (selector: string): boolean => {
    const parsed = parseFieldSelector(selector, secret);
    assert.ok(parsed.ok, `"${selector}" should parse`);
    return matchesFields(parsed.requirements, object);
  };
  assert.equal(match('metadata.name=tls'), true);
  assert.equal(match('metadata.name==tls,metadata.namespace=web'), true);
  assert.equal(match('metadata.namespace!=web'), false);
  assert.equal(match('type=kubernetes.io/tls'), true);
  assert.equal(match('type!=Opaque'), true);
  assert.equal(match(''), true);
});

test('field selector: unsupported fields and garbage are errors', () => {
  const ingress = findByKind('Ingress');
  assert.ok(ingress);
  const unsupported = parseFieldSelector('type=x', ingress);
  assert.ok(!unsupported.ok);
  assert.match(unsupported.error, /field label not supported: type/);
  assert.equal(parseFieldSelector('metadata.name', ingress).ok, false);
});

test('field selector: escaped commas belong to the value', () => {
  const ingress = findByKind('Ingress');
  assert.ok(ingress);
  const parsed = parseFieldSelector('metadata.name=a\\,b', ingress);
  assert.ok(parsed.ok);
  assert.equal(parsed.requirements.length, 1);
  assert.equal(parsed.requirements[0]?.value, 'a,b');
});
