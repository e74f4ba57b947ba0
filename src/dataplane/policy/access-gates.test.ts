import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoutePolicies } from '../../ir/index.ts';
import { ACCESS_GATES } from './access-gates.ts';
import type { GateRequest } from './gate.ts';
import { runGates } from './run-gates.ts';

/** A request from `client` on a route with `policies`; no gate here reads more than this. */
function requestOf(client: string, policies: RoutePolicies): GateRequest {
  return {
    route: null,
    policies,
    method: 'GET',
    rawHeaders: ['X-User', 'admin', 'Authorization', 'Basic Zm9vOmJhcg=='],
    client,
    tls: null,
    table: { clientCertificates: false },
  } as unknown as GateRequest;
}

test('satisfy any: an allowed address passes without authentication, and its auth headers are removed', async () => {
  const policies = {
    sourceRanges: { allow: ['127.0.0.0/8'] },
    satisfyAny: true,
    basicAuth: { realm: 'r', secret: { namespace: 'a', name: 'b', version: 'v' } },
    externalAuth: { responseHeaders: ['X-User'] },
  } as unknown as RoutePolicies;
  const outcome = await runGates(ACCESS_GATES, requestOf('127.0.0.1', policies));
  assert.deepEqual(outcome.verdict, { kind: 'pass' });
  assert.deepEqual(outcome.grant.upstreamHeaders, [
    ['authorization', ''],
    ['x-user', ''],
  ]);
});

test('satisfy any without authentication to try: a refused address stays refused', async () => {
  const policies: RoutePolicies = { sourceRanges: { allow: ['10.0.0.0/8'] }, satisfyAny: true };
  const outcome = await runGates(ACCESS_GATES, requestOf('127.0.0.1', policies));
  const { verdict } = outcome;
  if (verdict.kind !== 'refuse') assert.fail(JSON.stringify(verdict));
  assert.equal(verdict.code, 'PM_ERR_SOURCE_FORBIDDEN');
});
