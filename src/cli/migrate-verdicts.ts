import type { ObjectResult, Problem, ReasonCode } from '../ir/index.ts';

/** What pointsman would do with an Ingress that ingress-nginx serves today. */
export type Verdict = 'served-identically' | 'served-with-differences' | 'not-served';

/** Why an Ingress would not be served. */
export type NotServedBecause = 'rejected' | 'fails-closed';

/** One way in which pointsman would serve an Ingress otherwise than ingress-nginx does. */
export interface Difference {
  readonly code: ReasonCode;
  /** The field it is about (`metadata.annotations[KEY]`, `spec.rules[0]...`), or null. */
  readonly field: string | null;
  readonly message: string;
}

/** The verdict on one Ingress. */
export interface IngressVerdict {
  readonly namespace: string;
  readonly name: string;
  readonly verdict: Verdict;
  /** For `not-served`: why. Null otherwise. */
  readonly notServedBecause: NotServedBecause | null;
  /** Every problem translation found on the Ingress; empty only when served identically. */
  readonly differences: readonly Difference[];
}

/** How many Ingresses got each verdict. */
export interface MigrationSummary {
  /** Ingresses of the installation's class (those that get a verdict). */
  readonly total: number;
  readonly servedIdentically: number;
  readonly servedWithDifferences: number;
  readonly notServed: number;
  /** Ingresses of other classes, left out of the report. */
  readonly otherClasses: number;
}

/** The verdicts on an installation's Ingresses, in namespace and name order, and their counts. */
export interface MigrationReport {
  readonly ingresses: readonly IngressVerdict[];
  readonly summary: MigrationSummary;
}

/**
 * Judges each Ingress from its translation result alone. Pure. An Ingress that translation
 * ignored belongs to another class, so ingress-nginx does not serve it either: it is only
 * counted. Of the others:
 * - rejected, or failing closed: not served (in that order: a rejected Ingress has no routes at
 *   all). A canary is served: its paths take their share of the main Ingress's routes;
 * - accepted with any problem at all: served with differences, each problem named, since an
 *   unsupported annotation, a bad value, a path RE2 refuses or a lost conflict all change what
 *   a client gets;
 * - accepted without problems: served identically.
 */
export function migrationReport(results: readonly ObjectResult[]): MigrationReport {
  const ingresses: IngressVerdict[] = [];
  let otherClasses = 0;
  for (const result of results) {
    if (result.kind !== 'Ingress') continue;
    if (result.state === 'Ignored') otherClasses++;
    else ingresses.push(verdictOf(result));
  }
  ingresses.sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name));
  const count = (verdict: Verdict): number =>
    ingresses.filter((entry) => entry.verdict === verdict).length;
  return {
    ingresses,
    summary: {
      total: ingresses.length,
      servedIdentically: count('served-identically'),
      servedWithDifferences: count('served-with-differences'),
      notServed: count('not-served'),
      otherClasses,
    },
  };
}

/** The verdict on one Ingress of the installation's class (not an Ignored one). */
export function verdictOf(result: ObjectResult): IngressVerdict {
  const differences = result.problems.map(differenceOf);
  const notServedBecause: NotServedBecause | null =
    result.state === 'Rejected'
      ? 'rejected'
      : result.problems.some((problem) => problem.code === 'AccessControlNotEnforced')
        ? 'fails-closed'
        : null;
  const verdict: Verdict =
    notServedBecause !== null
      ? 'not-served'
      : differences.length > 0
        ? 'served-with-differences'
        : 'served-identically';
  return {
    namespace: result.namespace,
    name: result.name,
    verdict,
    notServedBecause,
    differences,
  };
}

/** The annotation keys that make an Ingress fail closed, from its differences. */
export function failClosedAnnotations(verdict: IngressVerdict): string[] {
  return verdict.differences
    .filter((difference) => difference.code === 'AccessControlNotEnforced')
    .map((difference) => annotationKeyOf(difference.field) ?? difference.field ?? '?');
}

/** The annotation key of a `metadata.annotations[KEY]` field, or null for another field. */
export function annotationKeyOf(field: string | null | undefined): string | null {
  const match = /^metadata\.annotations\[(.+)\]$/.exec(field ?? '');
  return match?.[1] ?? null;
}

/** `count` of `total` as a percentage with at most one decimal (0 when there is no total). */
export function shareOf(count: number, total: number): number {
  return total === 0 ? 0 : Math.round((count / total) * 1000) / 10;
}

function differenceOf(problem: Problem): Difference {
  return { code: problem.code, field: problem.field ?? null, message: problem.message };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
