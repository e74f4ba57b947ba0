import type { Problem, RoutePolicies } from '../../ir/index.ts';

/** What one annotation reader makes of an Ingress's (canonical) annotations. */
export interface PolicyRead {
  readonly policies: Partial<RoutePolicies>;
  readonly problems: readonly Problem[];
}

/** A reader of one group of annotations: pure, and never throws on user input. */
export type PolicyReader = (annotations: Readonly<Record<string, string>>) => PolicyRead;

/**
 * Runs the annotation readers over an Ingress's annotations (in the canonical spelling of
 * auditAnnotations) and merges what they read into the policies of its routes.
 */
export function routePoliciesOf(
  annotations: Readonly<Record<string, string>>,
  readers: readonly PolicyReader[],
): { readonly policies: RoutePolicies; readonly problems: readonly Problem[] } {
  let policies: RoutePolicies = {};
  const problems: Problem[] = [];
  for (const reader of readers) {
    const read = reader(annotations);
    policies = { ...policies, ...read.policies };
    problems.push(...read.problems);
  }
  return { policies, problems };
}
