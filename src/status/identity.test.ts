import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podNamespace, replicaIdentity, SERVICE_ACCOUNT_NAMESPACE_PATH } from './identity.ts';

const none = (): undefined => undefined;

test('the namespace comes from POD_NAMESPACE, else the service account, else default', () => {
  const inputs = { hostname: () => 'host', readFile: none };
  assert.equal(podNamespace({ ...inputs, env: { POD_NAMESPACE: 'ingress' } }), 'ingress');
  const readFile = (path: string) =>
    path === SERVICE_ACCOUNT_NAMESPACE_PATH ? 'from-sa\n' : undefined;
  assert.equal(podNamespace({ ...inputs, env: {}, readFile }), 'from-sa');
  assert.equal(podNamespace({ ...inputs, env: { POD_NAMESPACE: ' ' } }), 'default');
});

test('the identity is the Pod name, else the host name with a random suffix', () => {
  const inputs = { readFile: none, hostname: () => 'node-1' };
  assert.equal(
    replicaIdentity({ ...inputs, env: { POD_NAME: 'pointsman-7d9-abc' } }),
    'pointsman-7d9-abc',
  );
  assert.equal(replicaIdentity({ ...inputs, env: {}, random: () => 'ffee' }), 'node-1_ffee');
  const one = replicaIdentity({ ...inputs, env: {} });
  const two = replicaIdentity({ ...inputs, env: {} });
  assert.match(one, /^node-1_[0-9a-f]{8}$/);
  assert.notEqual(one, two);
});
