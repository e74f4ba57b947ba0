// `pointsman explain --output json` against every request of the official Ingress conformance
// scenarios (kubernetes-sigs/ingress-controller-conformance, features/*.feature) for default
// backend, host rules, path rules and ingress class, with the equivalent manifests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainJson } from '../helpers/run-cli.ts';

const GOLDEN = 'test/golden/translate';

interface Case {
  readonly url: string;
  readonly status: number;
  readonly service?: string;
  readonly host?: string;
}

const SCENARIOS: Readonly<Record<string, readonly Case[]>> = {
  'conformance-default-backend.in.yaml': [
    { url: 'http://my-host/', status: 200, service: 'echo-service' },
    { url: 'http://my-host/sub-path', status: 200, service: 'echo-service' },
    { url: 'http://some-host/', status: 200, service: 'echo-service' },
    { url: 'http://load-balancing/resource', status: 200, service: 'echo-service' },
    { url: 'http://some-host/resource', status: 200, service: 'echo-service' },
  ],
  'conformance-host-rules.in.yaml': [
    { url: 'http://foo.bar.com', status: 200, service: 'foo-bar-com', host: 'foo.bar.com' },
    { url: 'https://foo.bar.com/', status: 200, service: 'foo-bar-com', host: 'foo.bar.com' },
    { url: 'http://subdomain.bar.com', status: 404 },
    { url: 'http://bar.foo.com', status: 200, service: 'wildcard-foo-com', host: '*.foo.com' },
    { url: 'http://baz.bar.foo.com', status: 404 },
    { url: 'http://foo.com', status: 404 },
  ],
  'conformance-path-rules.in.yaml': [
    { url: 'http://exact-path-rules/foo', status: 200, service: 'foo-exact' },
    { url: 'http://exact-path-rules/foo/', status: 404 },
    { url: 'http://exact-path-rules/FOO', status: 404 },
    { url: 'http://exact-path-rules/bar', status: 404 },
    { url: 'http://prefix-path-rules/foo', status: 200, service: 'foo-prefix' },
    { url: 'http://prefix-path-rules/foo/', status: 200, service: 'foo-prefix' },
    { url: 'http://prefix-path-rules/FOO', status: 404 },
    { url: 'http://prefix-path-rules/aaa/bbb', status: 200, service: 'aaa-slash-bbb-prefix' },
    { url: 'http://prefix-path-rules/aaa/bbb/ccc', status: 200, service: 'aaa-slash-bbb-prefix' },
    { url: 'http://prefix-path-rules/aaa/ccc', status: 200, service: 'aaa-prefix' },
    { url: 'http://prefix-path-rules/aaaccc', status: 404 },
    { url: 'http://mixed-path-rules/foo', status: 200, service: 'foo-exact' },
    {
      url: 'http://trailing-slash-path-rules/aaa/bbb',
      status: 200,
      service: 'aaa-slash-bbb-slash-prefix',
    },
    {
      url: 'http://trailing-slash-path-rules/aaa/bbb/',
      status: 200,
      service: 'aaa-slash-bbb-slash-prefix',
    },
    { url: 'http://trailing-slash-path-rules/foo', status: 404 },
  ],
  'ingress-class.in.yaml': [
    // An Ingress naming an unknown class is not served.
    { url: 'http://ingress-class/', status: 404 },
    { url: 'http://a.example.com/', status: 200, service: 'web' },
  ],
};

for (const [file, cases] of Object.entries(SCENARIOS)) {
  test(`conformance through explain: ${file}`, async () => {
    const answers = await Promise.all(cases.map((c) => explainJson(`${GOLDEN}/${file}`, c.url)));
    cases.forEach((expected, index) => {
      const answer = answers[index];
      assert.ok(answer);
      const label = `${expected.url}: ${JSON.stringify(answer)}`;
      assert.equal(answer.status, expected.status, label);
      const service = answer['service'] as { name: string } | null;
      assert.equal(service?.name, expected.service, label);
      if (expected.host !== undefined) assert.equal(answer['host'], expected.host, label);
    });
  });
}

test('explain takes the Host from a header when one is given', async () => {
  const answer = await explainJson(`${GOLDEN}/conformance-host-rules.in.yaml`, 'http://10.0.0.1/', [
    '--header',
    'Host: foo.bar.com',
  ]);
  assert.equal(answer.status, 200);
  assert.equal((answer['service'] as { name: string }).name, 'foo-bar-com');
});

test('explain reports the endpoints and the Ingress of the default backend', async () => {
  const answer = await explainJson(`${GOLDEN}/conformance-default-backend.in.yaml`, 'http://x/');
  assert.deepEqual(answer['ingress'], { namespace: 'conformance', name: 'default-backend' });
  assert.equal(answer['host'], null);
  assert.equal((answer['endpoints'] as string[]).length, 10);
  assert.ok(
    !(answer['endpoints'] as string[]).includes('10.1.0.99:3000'),
    'not-ready endpoint used',
  );
});
