import { ANNOTATION_REASONS, type ObjectResult } from '../ir/index.ts';
import type { ObjectRef } from '../objects/index.ts';

/** What a rebuild says about the cluster's Ingresses, as the status writer needs it. */
export interface IngressOutcomes {
  /** `namespace/name` of the Ingresses that are ours and whose routes are live. */
  readonly served: ReadonlySet<string>;
  /**
   * `namespace/name` of the Ingresses that get a Warning Event, with the Warning: the rejected
   * ones, and the accepted ones whose annotations are not all honoured as written.
   */
  readonly warned: ReadonlyMap<string, Warning>;
}

/** The Warning Event an Ingress gets. */
export interface Warning {
  readonly type: 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** A rebuild's results (the control loop's `RebuildEvent` fits). */
export interface RebuildOutcome {
  readonly results: readonly ObjectResult[];
  readonly servingLastGood: readonly ObjectRef[];
}

/** `namespace/name`. */
export function ingressKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Splits an {@link ingressKey} (namespaces hold no `/`). */
export function splitIngressKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * Sorts a rebuild's Ingress results: served are the Accepted ones and the Rejected ones whose
 * last good version is still live; rejected are all Rejected ones. Objects loaded from files
 * (with an `origin`) are left out: they are not in the cluster.
 */
export function ingressOutcomes(outcome: RebuildOutcome): IngressOutcomes {
  const lastGood = new Set(
    outcome.servingLastGood
      .filter((ref) => ref.kind === 'Ingress')
      .map((ref) => ingressKey(ref.namespace, ref.name)),
  );
  const served = new Set<string>();
  const warned = new Map<string, Warning>();
  for (const result of outcome.results) {
    if (result.kind !== 'Ingress' || result.origin !== undefined) continue;
    const key = ingressKey(result.namespace, result.name);
    if (result.state === 'Accepted' || lastGood.has(key)) served.add(key);
    if (result.state === 'Rejected') warned.set(key, warningOf(result, lastGood.has(key)));
    const annotations = result.problems.filter((problem) => ANNOTATION_REASONS.has(problem.code));
    if (result.state === 'Accepted' && annotations.length > 0) {
      warned.set(key, warningOf({ ...result, problems: annotations }, false));
    }
  }
  return { served, warned };
}

function warningOf(result: ObjectResult, lastGood: boolean): Warning {
  const message = result.problems
    .map((problem) =>
      problem.field === undefined ? problem.message : `${problem.field}: ${problem.message}`,
    )
    .join('; ');
  const suffix = lastGood ? ' (its last accepted version is still served)' : '';
  return {
    type: 'Warning',
    reason: result.problems[0]?.code ?? 'Rejected',
    message: `${message === '' ? 'The Ingress was rejected.' : message}${suffix}`,
  };
}
