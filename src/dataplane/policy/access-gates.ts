import { basicAuthGate } from './basic-auth-gate.ts';
import { clientCertificateGate } from './client-certificate-gate.ts';
import { corsGate } from './cors-gate.ts';
import { externalAuthGate } from './external-auth-gate.ts';
import { PASS, type Gate, type GateRequest, type GateVerdict } from './gate.ts';
import { rateLimitGate } from './rate-limit-gate.ts';
import { runGates } from './run-gates.ts';
import { sourceRangeGate } from './source-range-gate.ts';

const AUTH_GATES: readonly Gate[] = [basicAuthGate, externalAuthGate];
const SOURCE_THEN_AUTH: readonly Gate[] = [sourceRangeGate, ...AUTH_GATES];

/**
 * The source ranges and the authentication, as nginx's access phase: every rule must pass
 * (`satisfy all`, the default), or, with `satisfy: any`, an allowed address lets the request
 * through without authentication and a refused one may still authenticate.
 */
const accessGate: Gate = (request) => {
  if (request.policies.satisfyAny !== true) return verdictOf(runGates(SOURCE_THEN_AUTH, request));
  const source = sourceRangeGate(request);
  if (source === undefined) return verdictOf(runGates(AUTH_GATES, request));
  const orAuth = (verdict: GateVerdict): GateVerdict | Promise<GateVerdict> =>
    verdict.kind === 'pass'
      ? withoutAuthHeaders(request.policies)
      : (verdictOf(runGates(AUTH_GATES, request), verdict) ?? verdict);
  return source instanceof Promise ? source.then(orAuth) : orAuth(source);
};

/**
 * The pass of a request that `satisfy: any` lets through on its address alone: the headers the
 * authentication would have set upstream are removed, as ingress-nginx's `proxy_set_header`
 * lines send them empty, so that a client cannot supply `X-Auth-Request-User` (or a
 * basic-auth Authorization) itself.
 */
function withoutAuthHeaders(policies: GateRequest['policies']): GateVerdict {
  const names = [
    ...(policies.basicAuth === undefined ? [] : ['authorization']),
    ...(policies.externalAuth?.responseHeaders ?? []).map((name) => name.toLowerCase()),
  ];
  if (names.length === 0) return PASS;
  return { kind: 'pass', grant: { upstreamHeaders: names.map((name) => [name, '']) } };
}

/**
 * The gates a proxied request passes, in nginx's phase order: the client certificate (checked
 * as the server block's `if`), the CORS preflight (answered in the rewrite phase, before any
 * access rule, as ingress-nginx does), the limits (preaccess), then the access rules.
 */
export const ACCESS_GATES: readonly Gate[] = [
  clientCertificateGate,
  corsGate,
  rateLimitGate,
  accessGate,
];

/**
 * The verdict of a nested run of gates, grants folded in; undefined when none had anything to
 * check. With `satisfy: any`, a refused address stays refused (`unchecked`) when the route has
 * no authentication to try instead.
 */
function verdictOf(
  outcome: ReturnType<typeof runGates>,
  unchecked?: GateVerdict,
): GateVerdict | Promise<GateVerdict> | undefined {
  const settle = (settled: Awaited<ReturnType<typeof runGates>>): GateVerdict | undefined => {
    const { verdict, grant, checked } = settled;
    if (!checked) return unchecked;
    if (verdict.kind !== 'pass') return verdict;
    return Object.keys(grant).length === 0 ? PASS : { kind: 'pass', grant };
  };
  if (!(outcome instanceof Promise)) return settle(outcome);
  return outcome.then((settled) => settle(settled) ?? unchecked ?? PASS);
}
