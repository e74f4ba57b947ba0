import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redirectPolicyOf } from './redirect-annotations.ts';

test('without annotations hosts with a certificate are redirected, others not', () => {
  assert.deepEqual(redirectPolicyOf({}), {
    policy: { sslRedirect: true, force: false },
    problems: [],
  });
});

test('both spellings are read, with Go boolean values', () => {
  assert.equal(
    redirectPolicyOf({ 'pointsman.dev/ssl-redirect': 'false' }).policy.sslRedirect,
    false,
  );
  assert.equal(
    redirectPolicyOf({ 'nginx.ingress.kubernetes.io/ssl-redirect': 'False' }).policy.sslRedirect,
    false,
  );
  assert.equal(redirectPolicyOf({ 'pointsman.dev/force-ssl-redirect': '1' }).policy.force, true);
  assert.equal(
    redirectPolicyOf({ 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' }).policy.force,
    true,
  );
});

test('our spelling wins over the ingress-nginx one', () => {
  const read = redirectPolicyOf({
    'pointsman.dev/ssl-redirect': 'true',
    'nginx.ingress.kubernetes.io/ssl-redirect': 'false',
  });
  assert.equal(read.policy.sslRedirect, true);
});

test('a value that is not a boolean is ignored with a problem', () => {
  const read = redirectPolicyOf({ 'pointsman.dev/force-ssl-redirect': 'yes' });
  assert.equal(read.policy.force, false);
  assert.deepEqual(
    read.problems.map((p) => [p.code, p.field]),
    [['IgnoredAnnotation', 'metadata.annotations[pointsman.dev/force-ssl-redirect]']],
  );
});
