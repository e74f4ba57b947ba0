import {
  PASS,
  type Gate,
  type GateRequest,
  type GateVerdict,
  type Grant,
  type HeaderPair,
} from './gate.ts';

/**
 * The outcome of all gates: the verdict of the one that refused or answered, else a pass; and
 * the grants of those that passed before it, merged (CORS headers belong on a refusal too).
 */
export interface GatesOutcome {
  readonly verdict: GateVerdict;
  readonly grant: Grant;
  /** False when no gate had anything to check (each returned undefined). */
  readonly checked: boolean;
}

const UNCHECKED: GatesOutcome = Object.freeze({
  verdict: PASS,
  grant: Object.freeze({}),
  checked: false,
});

/**
 * Runs the gates in order until one refuses or answers. Synchronous while every gate is: the
 * common request (no policies, or only synchronous ones) never waits for a microtask; the
 * first gate that returns a Promise makes the rest wait for it.
 */
export function runGates(
  gates: readonly Gate[],
  request: GateRequest,
): GatesOutcome | Promise<GatesOutcome> {
  return runFrom(gates, 0, request, [], false);
}

function runFrom(
  gates: readonly Gate[],
  start: number,
  request: GateRequest,
  grants: Grant[],
  checkedBefore: boolean,
): GatesOutcome | Promise<GatesOutcome> {
  let checked = checkedBefore;
  for (let index = start; index < gates.length; index++) {
    const verdict = (gates[index] as Gate)(request);
    if (verdict === undefined) continue;
    checked = true;
    if (verdict instanceof Promise) {
      return verdict.then((settled) => {
        if (settled.kind !== 'pass') {
          return { verdict: settled, grant: mergeGrants(grants), checked: true };
        }
        if (settled.grant !== undefined) grants.push(settled.grant);
        return runFrom(gates, index + 1, request, grants, true);
      });
    }
    if (verdict.kind !== 'pass') return { verdict, grant: mergeGrants(grants), checked };
    if (verdict.grant !== undefined) grants.push(verdict.grant);
  }
  if (!checked) return UNCHECKED;
  return { verdict: PASS, grant: mergeGrants(grants), checked };
}

/** The grants of several gates as one, in gate order. */
export function mergeGrants(grants: readonly Grant[]): Grant {
  const upstream: HeaderPair[] = [];
  const response: HeaderPair[] = [];
  const success: HeaderPair[] = [];
  const replaced: string[] = [];
  for (const grant of grants) {
    if (grant.replacesResponseHeaders !== undefined) {
      replaced.push(...grant.replacesResponseHeaders);
    }
    if (grant.upstreamHeaders !== undefined) upstream.push(...grant.upstreamHeaders);
    if (grant.responseHeaders !== undefined) response.push(...grant.responseHeaders);
    if (grant.successHeaders !== undefined) success.push(...grant.successHeaders);
  }
  return {
    ...(upstream.length === 0 ? {} : { upstreamHeaders: upstream }),
    ...(response.length === 0 ? {} : { responseHeaders: response }),
    ...(success.length === 0 ? {} : { successHeaders: success }),
    ...(replaced.length === 0 ? {} : { replacesResponseHeaders: replaced }),
  };
}
