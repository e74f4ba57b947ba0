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
  let paths = 0;
  for (const host of table.hosts) paths += host.paths.length;
  let rejected = 0;
  for (const result of results) if (result.state === 'Rejected') rejected++;
  return {
    version: table.version,
    hosts: table.hosts.length,
    routes: paths + (table.defaultBackend === null ? 0 : 1),
    backends: table.backends.length,
    rejected,
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
    const finding = findingOf(result);
    if (finding === null) continue;
    const { key, fields } = finding;
    const servedLastGood = lastGood.has(key);
    const signature = `${finding.signature}${servedLastGood ? '+' : '-'}`;
    current.set(key, signature);
    if (previous.get(key) === signature) continue;
    const message =
      result.state !== 'Rejected'
        ? 'annotations not honoured as written'
        : servedLastGood
          ? 'object rejected; its last accepted version is still served'
          : 'object rejected';
    logger.warn({ ...fields, servingLastGood: servedLastGood }, message);
  }
  return current;
}

/** What a result has to report, and its signature; null when nothing. */
interface Finding {
  readonly key: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly signature: string;
}

/**
 * Findings by result: an incremental translation hands most results over again as the same
 * objects, so each is looked at once, not at every rebuild.
 */
const findings = new WeakMap<ObjectResult, Finding | null>();

function findingOf(result: ObjectResult): Finding | null {
  const known = findings.get(result);
  if (known !== undefined) return known;
  const rejected = result.state === 'Rejected';
  const problems = rejected
    ? result.problems
    : result.problems.filter((problem) => ANNOTATION_REASONS.has(problem.code));
  let finding: Finding | null = null;
  if (rejected || (result.state === 'Accepted' && problems.length > 0)) {
    const fields = {
      kind: result.kind,
      namespace: result.namespace,
      name: result.name,
      file: result.origin?.file ?? null,
      document: result.origin?.document ?? null,
      codes: problems.map((p) => p.code),
      problems,
    };
    const key = `${result.kind}/${result.namespace}/${result.name}`;
    finding = { key, fields, signature: JSON.stringify(fields) };
  }
  findings.set(result, finding);
  return finding;
}
