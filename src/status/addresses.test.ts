import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addressesOfService,
  canonicalAddresses,
  parseStatusAddresses,
  sameAddresses,
} from './addresses.ts';

test('a Service offers its load balancer, else external IPs, else its cluster IP', () => {
  const spec = { type: 'LoadBalancer', clusterIP: '10.96.0.10', externalIPs: ['192.0.2.5'] };
  const balancer = {
    ingress: [{ hostname: 'b.elb.example' }, { ip: '203.0.113.9', ipMode: 'VIP' }],
  };
  assert.deepEqual(addressesOfService({ spec, status: { loadBalancer: balancer } }), [
    { ip: '203.0.113.9' },
    { hostname: 'b.elb.example' },
  ]);
  assert.deepEqual(addressesOfService({ spec, status: { loadBalancer: {} } }), [
    { ip: '192.0.2.5' },
  ]);
  assert.deepEqual(addressesOfService({ spec: { clusterIP: '10.96.0.10' } }), [
    { ip: '10.96.0.10' },
  ]);
  assert.deepEqual(addressesOfService({ spec: { clusterIP: 'None' } }), []);
  assert.deepEqual(
    addressesOfService({ spec: { type: 'ExternalName', externalName: 'lb.example.com' } }),
    [{ hostname: 'lb.example.com' }],
  );
  assert.deepEqual(addressesOfService('not a service'), []);
});

test('--publish-status-address takes IPs and host names, and nothing else', () => {
  assert.deepEqual(parseStatusAddresses(' 192.0.2.1, LB.Example.com ,2001:db8::1,'), {
    addresses: [{ ip: '192.0.2.1' }, { ip: '2001:db8::1' }, { hostname: 'lb.example.com' }],
  });
  assert.deepEqual(parseStatusAddresses('192.0.2.1,not_a_name'), { bad: 'not_a_name' });
  assert.deepEqual(parseStatusAddresses('http://x'), { bad: 'http://x' });
});

test('address lists compare as sets, in one canonical order', () => {
  const a = [{ hostname: 'x.example' }, { ip: '192.0.2.2' }, { ip: '192.0.2.1' }];
  const b = [
    { ip: '192.0.2.1' },
    { hostname: 'x.example' },
    { ip: '192.0.2.2' },
    { ip: '192.0.2.1' },
  ];
  assert.equal(sameAddresses(a, b), true);
  assert.equal(sameAddresses(a, a.slice(1)), false);
  assert.deepEqual(canonicalAddresses(b), [
    { ip: '192.0.2.1' },
    { ip: '192.0.2.2' },
    { hostname: 'x.example' },
  ]);
});
