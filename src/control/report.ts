import { ANNOTATION_REASONS, type ObjectResult, type RouteTable } from '../ir/index.ts';
import type { ObjectRef } from '../objects/index.ts';
import type { Logger } from '../observability/index.ts';

/** The fields of the summary line logged after each rebuild. */
export interface RebuildSummary {
  readonly version: string;
  readonly hosts: number;
  /** Path routes over all hosts, plus one for a default backend. */
  readonly routes: number;
  readonly backends: number;
  readonly rejected: number;
  readonly servingLastGood: number;
}

/** Counts what a table serves and what was rejected. */
export function summaryOf(
  table: RouteTable,
  results: readonly ObjectResult[],
  servingLastGood: readonly ObjectRef[],
): RebuildSummary {
  const paths = table.hosts.reduce((sum, host) => sum + host.paths.length, 0);
  return {
    version: table.version,
    hosts: table.hosts.length,
    routes: paths + (table.defaultBackend === null ? 0 : 1),
    backends: table.backends.length,
    rejected: results.filter((r) => r.state === 'Rejected').length,
    servingLastGood: servingLastGood.length,
  };
}

/**
 * Logs one warning per rejected object, and per accepted Ingress with annotations not honoured
 * as written, whose findings are new or changed since `previous` (so an unrelated rebuild does
 * not repeat them); returns the findings to pass next time.
 */
export function logRejections(
  logger: Logger,
  results: readonly ObjectResult[],
  servingLastGood: readonly ObjectRef[],
  previous: ReadonlyMap<string, string>,
): Map<string, string> {
  const lastGood = new Set(servingLastGood.map((r) => `${r.kind}/${r.namespace}/${r.name}`));
  const current = new Map<string, string>();
  for (const result of results) {
    const rejected = result.state === 'Rejected';
    const problems = rejected
      ? result.problems
      : result.problems.filter((problem) => ANNOTATION_REASONS.has(problem.code));
    if (!rejected && (result.state !== 'Accepted' || problems.length === 0)) continue;
    const key = `${result.kind}/${result.namespace}/${result.name}`;
    const fields = {
      kind: result.kind,
      namespace: result.namespace,
      name: result.name,
      file: result.origin?.file ?? null,
      document: result.origin?.document ?? null,
      codes: problems.map((p) => p.code),
      problems,
      servingLastGood: lastGood.has(key),
    };
    const signature = JSON.stringify(fields);
    current.set(key, signature);
    if (previous.get(key) === signature) continue;
    const message = !rejected
      ? 'annotations not honoured as written'
      : fields.servingLastGood
        ? 'object rejected; its last accepted version is still served'
        : 'object rejected';
    logger.warn(fields, message);
  }
  return current;
}
