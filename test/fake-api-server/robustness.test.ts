import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { parseFieldSelector } from './field-selector.ts';
import { startFakeApiServer, type FakeApiServer } from './index.ts';
import { parseLabelSelector } from './label-selector.ts';
import { findByKind } from './resources.ts';
import { call, ingress } from './testing.ts';

const ING = '/apis/networking.k8s.io/v1/namespaces/fuzz/ingresses';
const MEDIA = [
  'application/json',
  'application/yaml',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

let server: FakeApiServer;
before(async () => {
  server = await startFakeApiServer();
  server.create('Ingress', ingress('target', 'fuzz'));
});
after(async () => {
  await server.close();
});

test('selector parsers never throw', () => {
  const ingressType = findByKind('Ingress');
  assert.ok(ingressType);
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (text) => {
      parseLabelSelector(text);
      parseFieldSelector(text, ingressType);
    }),
    { numRuns: 2000 },
  );
});

test('arbitrary bodies and patches get a JSON answer below 500, and the server keeps serving', async () => {
  const body = fc.oneof(
    fc.json({ maxDepth: 3 }),
    fc.string({ maxLength: 60 }),
    fc.constant('{"metadata":{"name":"target"}}'),
  );
  const method = fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE');
  await fc.assert(
    fc.asyncProperty(method, fc.constantFrom(...MEDIA), body, async (verb, media, text) => {
      const path = verb === 'POST' ? ING : `${ING}/target`;
      const answer = await call(server, verb, path, text, media);
      assert.ok(answer.status < 500, `${verb} ${media} ${text} -> ${answer.status}`);
      if (answer.status >= 400) assert.equal(answer.body['kind'], 'Status');
    }),
    { numRuns: 300 },
  );
  assert.equal((await call(server, 'GET', '/version')).status, 200);
});

test('arbitrary paths and queries get an answer below 500', async () => {
  const segment = fc.constantFrom(
    'api',
    'apis',
    'v1',
    'namespaces',
    'x',
    'ingresses',
    'services',
    'status',
    'watch',
    '%zz',
    '',
    'networking.k8s.io',
  );
  const query = fc.constantFrom(
    '',
    '?watch=0',
    '?limit=-1',
    '?labelSelector=%28',
    '?fieldSelector=x',
    '?continue=%%',
    '?resourceVersion=x',
  );
  await fc.assert(
    fc.asyncProperty(fc.array(segment, { maxLength: 7 }), query, async (segments, search) => {
      const response = await fetch(`${server.url}/${segments.join('/')}${search}`, {
        signal: AbortSignal.timeout(5000),
      });
      assert.ok(response.status < 500, `/${segments.join('/')}${search} -> ${response.status}`);
      await response.body?.cancel();
    }),
    { numRuns: 300 },
  );
});
