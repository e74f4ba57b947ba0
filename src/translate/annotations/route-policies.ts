import type { Problem, RoutePolicies } from '../../ir/index.ts';
import { emptyReaderContext, type ReaderContext } from './reader-context.ts';

/** What one annotation reader makes of an Ingress's (canonical) annotations. */
export interface PolicyRead {
  readonly policies: Partial<RoutePolicies>;
  readonly problems: readonly Problem[];
  /**
   * Access-control annotation keys the reader could not honour (a bad value, a missing
   * Secret): the Ingress then fails closed, as with an access control pointsman does not know.
   */
  readonly failClosed?: readonly string[];
}

/**
 * A reader of one group of annotations: pure, and never throws on user input. Readers that look
 * up objects take the context; without one (unit tests) they see an empty snapshot.
 */
export type PolicyReader = (
  annotations: Readonly<Record<string, string>>,
  context?: ReaderContext,
) => PolicyRead;

/**
 * Runs the annotation readers over an Ingress's annotations (in the canonical spelling of
 * auditAnnotations) and merges what they read into the policies of its routes.
 */
export function routePoliciesOf(
  annotations: Readonly<Record<string, string>>,
  readers: readonly PolicyReader[],
  context: ReaderContext = emptyReaderContext(),
): {
  readonly policies: RoutePolicies;
  readonly problems: readonly Problem[];
  readonly failClosed: readonly string[];
} {
  let policies: RoutePolicies = {};
  const problems: Problem[] = [];
  const failClosed: string[] = [];
  for (const reader of readers) {
    const read = reader(annotations, context);
    policies = { ...policies, ...read.policies };
    problems.push(...read.problems);
    if (read.failClosed !== undefined) failClosed.push(...read.failClosed);
  }
  return { policies, problems, failClosed };
}
