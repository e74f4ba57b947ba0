import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObjectResult, Problem } from '../ir/index.ts';
import type { ObjectRef } from '../objects/index.ts';
import { silentLogger } from '../observability/index.ts';
import { FakeClock } from '../store/index.ts';
import type { AddressSource } from './addresses.ts';
import { FakeStatusClient } from './fake-status-client.ts';
import { StatusApiError, type IngressState, type LoadBalancerAddress } from './status-client.ts';
import { StatusWriter, type StatusWriterOptions } from './status-writer.ts';
import { elapse, settle } from './test-support.ts';

const OURS: AddressSource = { kind: 'static', addresses: [{ ip: '203.0.113.10' }] };
const OUR_ADDRESS = [{ ip: '203.0.113.10' }];

function result(
  name: string,
  state: ObjectResult['state'],
  problems: Problem[] = [],
  namespace = 'web',
): ObjectResult {
  return { kind: 'Ingress', namespace, name, state, problems };
}

function rebuild(results: ObjectResult[], servingLastGood: ObjectRef[] = []) {
  return { results, servingLastGood };
}

/** The Ingress as the watch would cache it. */
function raw(state: IngressState): unknown {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: state.name,
      namespace: state.namespace,
      uid: state.uid,
      resourceVersion: state.resourceVersion,
    },
    status: { loadBalancer: { ingress: state.addresses } },
  };
}

interface Fixture {
  readonly client: FakeStatusClient;
  readonly clock: FakeClock;
  readonly writer: StatusWriter;
  readonly addressesOf: (
    name: string,
    namespace?: string,
  ) => readonly LoadBalancerAddress[] | undefined;
}

function fixture(
  options: Partial<StatusWriterOptions> & { readonly cache?: boolean } = {},
): Fixture {
  const client = new FakeStatusClient();
  const clock = new FakeClock();
  const lookup = (namespace: string, name: string): unknown => {
    const state = client.ingresses.get(`${namespace}/${name}`);
    return state === undefined ? undefined : raw(state);
  };
  const writer = new StatusWriter({
    client,
    addressSource: OURS,
    logger: silentLogger(),
    identity: 'pod-a',
    clock,
    wallClock: () => Date.UTC(2026, 0, 1) + clock.now(),
    ...(options.cache === false ? {} : { lookupIngress: lookup }),
    ...options,
  });
  writer.start();
  return {
    client,
    clock,
    writer,
    addressesOf: (name, namespace = 'web') =>
      client.ingresses.get(`${namespace}/${name}`)?.addresses,
  };
}

async function done(writer: StatusWriter): Promise<void> {
  await settle();
  await writer.idle();
}

test('the leader publishes the address on accepted Ingresses once they are live', async () => {
  const { client, writer, addressesOf } = fixture();
  client.putIngress('web', 'shop');
  client.putIngress('web', 'blog');
  writer.setLeading(true);
  await done(writer);
  assert.equal(client.count('updateIngressStatus'), 0, 'nothing is written before a rebuild');
  writer.update(rebuild([result('shop', 'Accepted'), result('blog', 'Accepted')]));
  await done(writer);
  assert.deepEqual(addressesOf('shop'), OUR_ADDRESS);
  assert.deepEqual(addressesOf('blog'), OUR_ADDRESS);
  assert.equal(writer.stats().statusWrites, 2);
  await writer.close();
});

test('a follower writes nothing; it catches up when it becomes the leader', async () => {
  const { client, writer, addressesOf } = fixture();
  client.putIngress('web', 'shop');
  writer.update(rebuild([result('shop', 'Accepted')]));
  await done(writer);
  assert.deepEqual(client.calls, []);
  writer.setLeading(true);
  await done(writer);
  assert.deepEqual(addressesOf('shop'), OUR_ADDRESS);
  await writer.close();
});

test('an Ingress whose status already matches costs no request at all', async () => {
  const { client, writer } = fixture();
  client.putIngress('web', 'shop', [{ ip: '203.0.113.10' }]);
  writer.setLeading(true);
  writer.update(rebuild([result('shop', 'Accepted')]));
  await done(writer);
  assert.deepEqual(client.calls, []);
});

test('without the watch cache the Ingress is read first, and not written when it matches', async () => {
  const { client, writer } = fixture({ cache: false });
  client.putIngress('web', 'shop', [{ ip: '203.0.113.10' }]);
  writer.setLeading(true);
  writer.update(rebuild([result('shop', 'Accepted')]));
  await done(writer);
  assert.deepEqual(client.calls, ['getIngress web/shop']);
  await writer.close();
});

test('a conflict re-reads the Ingress and writes again', async () => {
  const { client, writer, addressesOf } = fixture();
  client.putIngress('web', 'shop');
  const staleCache = (): unknown =>
    raw({ namespace: 'web', name: 'shop', uid: 'u', resourceVersion: '0', addresses: [] });
  const stale = fixture({ lookupIngress: staleCache });
  stale.client.putIngress('web', 'shop');
  stale.writer.setLeading(true);
  stale.writer.update(rebuild([result('shop', 'Accepted')]));
  await done(stale.writer);
  assert.deepEqual(stale.client.calls, [
    'updateIngressStatus web/shop',
    'getIngress web/shop',
    'updateIngressStatus web/shop',
  ]);
  assert.deepEqual(stale.addressesOf('shop'), OUR_ADDRESS);
  client.failNext('updateIngressStatus', 2, conflictError());
  writer.setLeading(true);
  writer.update(rebuild([result('shop', 'Accepted')]));
  await done(writer);
  assert.equal(client.count('updateIngressStatus'), 3);
  assert.deepEqual(addressesOf('shop'), OUR_ADDRESS);
  await writer.close();
  await stale.writer.close();
});

test('a conflict that finds the status already right writes nothing more', async () => {
  const cache = new Map<string, unknown>();
  const { client, writer } = fixture({ lookupIngress: (ns, name) => cache.get(`${ns}/${name}`) });
  const old = client.putIngress('web', 'shop');
  cache.set('web/shop', raw(old));
  client.putIngress('web', 'shop', [{ ip: '203.0.113.10' }]); // another replica got there first
  writer.setLeading(true);
  writer.update(rebuild([result('shop', 'Accepted')]));
  await done(writer);
  assert.deepEqual(client.calls, ['updateIngressStatus web/shop', 'getIngress web/shop']);
  await writer.close();
});

test('errors other than conflicts retry with a backoff', async () => {
  const { client, clock, writer, addressesOf } = fixture();
  client.putIngress('web', 'shop');
  client.failNext('updateIngressStatus', 2);
  writer.setLeading(true);
  writer.update(rebuild([result('shop', 'Accepted')]));
  await done(writer);
  assert.deepEqual(addressesOf('shop'), []);
  await elapse(clock, 1_000);
  assert.deepEqual(addressesOf('shop'), [], 'the second try fails too');
  await elapse(clock, 2_000);
  assert.deepEqual(addressesOf('shop'), OUR_ADDRESS, 'the third, 1 s + 2 s later, succeeds');
  await writer.close();
});

test('an Ingress that stops being ours loses our address and keeps the others', async () => {
  const { client, writer, addressesOf } = fixture();
  client.putIngress('web', 'shop');
  client.putIngress('web', 'blog');
  writer.setLeading(true);
  writer.update(rebuild([result('shop', 'Accepted'), result('blog', 'Accepted')]));
  await done(writer);
  const current = client.ingresses.get('web/blog');
  assert.ok(current);
  client.putIngress('web', 'blog', [...current.addresses, { hostname: 'lb.other.example' }]);
  writer.update(
    rebuild([
      result('shop', 'Ignored', [{ code: 'NotOurClass', message: 'class nginx' }]),
      result('blog', 'Rejected', [{ code: 'InvalidHost', message: 'bad host' }]),
    ]),
  );
  await done(writer);
  assert.deepEqual(addressesOf('shop'), []);
  assert.deepEqual(addressesOf('blog'), [{ hostname: 'lb.other.example' }]);
  const writes = client.count('updateIngressStatus');
  writer.update(rebuild([result('shop', 'Ignored'), result('blog', 'Rejected')]));
  await done(writer);
  assert.equal(client.count('updateIngressStatus'), writes, 'cleared once, then left alone');
  await writer.close();
});

test('Ingresses we never served are never read or written', async () => {
  const { client, clock, writer } = fixture({ cache: false });
  client.putIngress('web', 'theirs', [{ ip: '198.51.100.7' }]);
  client.putIngress('web', 'classless');
  writer.setLeading(true);
  writer.update(
    rebuild([
      result('theirs', 'Ignored', [{ code: 'NotOurClass', message: 'class nginx' }]),
      result('classless', 'Ignored', [{ code: 'NotOurClass', message: 'no class' }]),
    ]),
  );
  await elapse(clock, 120_000, 1_000);
  await done(writer);
  assert.deepEqual(client.calls, []);
  assert.deepEqual(client.ingresses.get('web/theirs')?.addresses, [{ ip: '198.51.100.7' }]);
  await writer.close();
});

test('an Ingress served from its last good version keeps its address', async () => {
  const { client, writer, addressesOf } = fixture();
  client.putIngress('web', 'shop');
  writer.setLeading(true);
  writer.update(rebuild([result('shop', 'Accepted')]));
  await done(writer);
  writer.update(
    rebuild(
      [result('shop', 'Rejected', [{ code: 'InvalidPath', message: 'bad path' }])],
      [{ kind: 'Ingress', namespace: 'web', name: 'shop' }],
    ),
  );
  await done(writer);
  assert.deepEqual(addressesOf('shop'), OUR_ADDRESS);
  const [event] = client.events.values();
  assert.equal(event?.reason, 'InvalidPath');
  assert.match(event.message, /bad path \(its last accepted version is still served\)/);
  await writer.close();
});

test('objects loaded from files are not cluster objects and are left alone', async () => {
  const { client, writer } = fixture({ cache: false });
  writer.setLeading(true);
  writer.update(
    rebuild([
      { ...result('shop', 'Accepted'), origin: { file: 'a.yaml', document: 0 } },
      {
        ...result('bad', 'Rejected', [{ code: 'InvalidHost', message: 'x' }]),
        origin: { file: 'a.yaml', document: 1 },
      },
    ]),
  );
  await done(writer);
  assert.deepEqual(client.calls, []);
  await writer.close();
});

test('writes pass a token bucket: a burst, then a steady rate', async () => {
  const { client, clock, writer } = fixture({ requestsPerSecond: 20, burst: 50 });
  const results = [];
  for (let i = 0; i < 200; i++) {
    client.putIngress('web', `app-${String(i)}`);
    results.push(result(`app-${String(i)}`, 'Accepted'));
  }
  writer.setLeading(true);
  writer.update(rebuild(results));
  await elapse(clock, 0);
  assert.equal(client.count('updateIngressStatus'), 50);
  await elapse(clock, 1_000, 10);
  assert.equal(client.count('updateIngressStatus'), 70);
  await elapse(clock, 6_500, 10);
  assert.equal(client.count('updateIngressStatus'), 200);
  await done(writer);
  await writer.close();
});

test('repeated rebuilds coalesce: one write per Ingress', async () => {
  const { client, clock, writer, addressesOf } = fixture({
    requestsPerSecond: 1,
    burst: 1,
    concurrency: 1,
  });
  client.putIngress('web', 'a');
  client.putIngress('web', 'b');
  writer.setLeading(true);
  for (let i = 0; i < 10; i++) {
    writer.update(rebuild([result('a', 'Accepted'), result('b', 'Accepted')]));
    writer.update(rebuild([]));
  }
  writer.update(rebuild([result('a', 'Accepted'), result('b', 'Accepted')]));
  assert.equal(writer.stats().queued, 2, 'each Ingress is queued once');
  await elapse(clock, 5_000);
  assert.equal(client.count('updateIngressStatus'), 2);
  assert.deepEqual(addressesOf('a'), OUR_ADDRESS);
  assert.deepEqual(addressesOf('b'), OUR_ADDRESS);
  await writer.close();
});

test('the resync undoes a change someone else made', async () => {
  const { client, clock, writer, addressesOf } = fixture();
  client.putIngress('web', 'shop');
  writer.setLeading(true);
  writer.update(rebuild([result('shop', 'Accepted')]));
  await done(writer);
  client.putIngress('web', 'shop', [{ ip: '192.0.2.99' }]);
  await elapse(clock, 59_000, 1_000);
  assert.deepEqual(addressesOf('shop'), [{ ip: '192.0.2.99' }]);
  await elapse(clock, 1_000, 1_000);
  assert.deepEqual(addressesOf('shop'), OUR_ADDRESS);
  await writer.close();
});

test('losing leadership drops the queued work', async () => {
  const { client, clock, writer } = fixture({ requestsPerSecond: 1, burst: 1 });
  for (const name of ['a', 'b', 'c']) client.putIngress('web', name);
  writer.setLeading(true);
  writer.update(rebuild(['a', 'b', 'c'].map((name) => result(name, 'Accepted'))));
  await settle();
  writer.setLeading(false);
  await elapse(clock, 10_000, 500);
  assert.equal(client.count('updateIngressStatus'), 1);
  await writer.close();
});

test('a deleted Ingress is forgotten', async () => {
  const { client, writer } = fixture({ cache: false });
  writer.setLeading(true);
  writer.update(rebuild([result('gone', 'Accepted')]));
  await done(writer);
  assert.deepEqual(client.calls, ['getIngress web/gone']);
  writer.update(rebuild([]));
  await done(writer);
  assert.deepEqual(client.calls, ['getIngress web/gone'], 'nothing left to clear');
  await writer.close();
});

test('--publish-service: the Service is read when leading, and again until it changes', async () => {
  const service = (ingress: unknown[]): unknown => ({
    metadata: { name: 'pointsman', namespace: 'ingress' },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.0.10' },
    status: { loadBalancer: { ingress } },
  });
  const { client, clock, writer, addressesOf } = fixture({
    addressSource: { kind: 'service', namespace: 'ingress', name: 'pointsman' },
  });
  client.putService('ingress', 'pointsman', service([]));
  client.putIngress('web', 'shop');
  writer.update(rebuild([result('shop', 'Accepted')]));
  writer.setLeading(true);
  await done(writer);
  assert.deepEqual(addressesOf('shop'), [{ ip: '10.96.0.10' }], 'the cluster IP until a balancer');
  client.putService('ingress', 'pointsman', service([{ hostname: 'abc.elb.example' }]));
  await elapse(clock, 10_000, 1_000);
  await done(writer);
  assert.deepEqual(addressesOf('shop'), [{ hostname: 'abc.elb.example' }]);
  assert.equal(client.count('getService'), 2);
  await writer.close();
});

test('a rejected Ingress gets one Warning; a fix gets one Normal; a relapse bumps the count', async () => {
  const { client, writer } = fixture();
  client.putIngress('web', 'shop');
  const broken = rebuild([
    result('shop', 'Rejected', [
      { code: 'InvalidHost', message: 'not a DNS name', field: 'spec.rules[0].host' },
    ]),
  ]);
  writer.setLeading(true);
  writer.update(broken);
  writer.update(broken);
  await done(writer);
  writer.update(broken);
  await done(writer);
  assert.equal(client.events.size, 1);
  const [warning] = client.events.values();
  assert.equal(warning?.type, 'Warning');
  assert.equal(warning.reason, 'InvalidHost');
  assert.equal(warning.message, 'spec.rules[0].host: not a DNS name');
  assert.deepEqual(warning.involvedObject, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    namespace: 'web',
    name: 'shop',
    uid: 'uid-shop',
  });
  assert.equal(warning.namespace, 'web');
  assert.equal(warning.instance, 'pod-a');
  writer.update(rebuild([result('shop', 'Accepted')]));
  writer.update(rebuild([result('shop', 'Accepted')]));
  await done(writer);
  const normals = [...client.events.values()].filter((event) => event.type === 'Normal');
  assert.equal(normals.length, 1);
  assert.equal(normals[0]?.reason, 'Accepted');
  writer.update(broken);
  await done(writer);
  assert.equal(client.events.size, 2, 'the same Warning again is not a new Event');
  const bumped = client.events.get(`web/${warning.name}`);
  assert.equal(bumped?.count, 2);
  assert.equal(bumped.patches, 1);
  await writer.close();
});

test('an accepted Ingress with annotation problems gets a Warning with only those', async () => {
  const { client, writer, addressesOf } = fixture();
  client.putIngress('web', 'shop');
  writer.setLeading(true);
  const message = 'nginx.ingress.kubernetes.io/auth-type asks for access control';
  writer.update(
    rebuild([
      result('shop', 'Accepted', [
        { code: 'NoReadyEndpoints', message: 'no endpoints' },
        { code: 'AccessControlNotEnforced', message, field: 'metadata.annotations[x]' },
      ]),
    ]),
  );
  await done(writer);
  const [warning] = client.events.values();
  assert.equal(client.events.size, 1);
  assert.equal(warning?.reason, 'AccessControlNotEnforced');
  assert.equal(warning.message, `metadata.annotations[x]: ${message}`);
  assert.ok(
    (addressesOf('shop') ?? []).length > 0,
    'still served (fail closed), so it has an address',
  );
  writer.update(rebuild([result('shop', 'Accepted')]));
  await done(writer);
  const normals = [...client.events.values()].filter((event) => event.type === 'Normal');
  assert.equal(normals.length, 1, 'removing the annotation gets a Normal Event');
  await writer.close();
});

test('an accepted Ingress that was never rejected gets no Event', async () => {
  const { client, writer } = fixture();
  client.putIngress('web', 'shop');
  writer.setLeading(true);
  writer.update(rebuild([result('shop', 'Accepted')]));
  await done(writer);
  assert.equal(client.events.size, 0);
  await writer.close();
});

test('Events wait for leadership, and an expired Event is recorded anew', async () => {
  const { client, writer } = fixture();
  client.putIngress('web', 'shop');
  const broken = (message: string) =>
    rebuild([result('shop', 'Rejected', [{ code: 'InvalidPath', message }])]);
  writer.update(broken('one'));
  await done(writer);
  assert.equal(client.events.size, 0, 'a follower records nothing');
  writer.setLeading(true);
  await done(writer);
  assert.equal(client.events.size, 1);
  writer.update(broken('two'));
  await done(writer);
  assert.equal(client.events.size, 2, 'a new message is a new Event');
  client.events.clear();
  writer.update(broken('one'));
  await done(writer);
  assert.equal(client.count('patchEvent'), 1);
  assert.equal(client.events.size, 1, 'the expired Event was created again');
  await writer.close();
});

function conflictError(): StatusApiError {
  return new StatusApiError('Http', 409, 'HTTP 409: the object has been modified');
}
