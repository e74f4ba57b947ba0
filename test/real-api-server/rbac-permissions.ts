// One permission at a time: RBAC rules (from a role or from the API server's own review) and
// the table of docs/install.md, both cut into single (group, resource, verb, name) grants so
// that two lists compare whatever their grouping.

/** An RBAC rule, as roles and SelfSubjectRulesReview write it. */
export interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** One verb on one resource; `name` is `*` when any object (or the collection) is allowed. */
export interface Grant {
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
  readonly name: string;
}

/** A row of the documented table, cut into grants; `namespace` null: everywhere. */
export interface DocumentedGrant extends Grant {
  readonly namespace: string | null;
}

/** `group/resource:verb`, with `#name` when limited to one object. */
export function grantKey(grant: Grant): string {
  const name = grant.name === '*' ? '' : `#${grant.name}`;
  return `${grant.group}/${grant.resource}${name}:${grant.verb}`;
}

/** Every single grant of `rules`, sorted by key, duplicates removed. */
export function grantsOfRules(rules: readonly PolicyRule[]): Grant[] {
  const grants = new Map<string, Grant>();
  for (const rule of rules) {
    const names = rule.resourceNames?.length ? rule.resourceNames : ['*'];
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? [])
        for (const verb of rule.verbs)
          for (const name of names) {
            const grant = { group, resource, verb, name };
            grants.set(grantKey(grant), grant);
          }
  }
  return [...grants.values()].sort((a, b) => compare(grantKey(a), grantKey(b)));
}

/**
 * Reads the first Markdown table under the heading `heading` (`## What pointsman may do`):
 * columns `API group`, `resource`, `verbs`, `scope`. Values are the `code` spans of a cell:
 * the group (`""` is the core group), the resource then any object names (`leases` named
 * `pointsman-leader`), the verbs, and the namespace of the scope (no code span: everywhere).
 */
export function documentedGrants(markdown: string, heading: string): DocumentedGrant[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no heading ${JSON.stringify(heading)}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    if (line.startsWith('|')) rows.push(line.split('|').slice(1, -1));
    else if (rows.length > 0) break;
  }
  const header = (rows[0] ?? []).map((cell) => cell.trim().toLowerCase());
  const column = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`the table under ${heading} has no column ${name}`);
    return index;
  };
  const [group, resource, verbs, scope] = ['api group', 'resource', 'verbs', 'scope'].map(column);
  const grants: DocumentedGrant[] = [];
  for (const row of rows.slice(2)) {
    const spans = (index: number | undefined): string[] =>
      [...(row[index ?? -1] ?? '').matchAll(/`([^`]*)`/g)].map((match) => match[1] ?? '');
    const [groupName] = spans(group);
    const [resourceName, ...names] = spans(resource);
    const [namespace] = spans(scope);
    if (groupName === undefined || resourceName === undefined) {
      throw new Error(
        `a row of the table under ${heading} has no group or resource: ${row.join('|')}`,
      );
    }
    for (const verb of spans(verbs))
      for (const name of names.length > 0 ? names : ['*']) {
        grants.push({
          group: groupName === '""' ? '' : groupName,
          resource: resourceName,
          verb,
          name,
          namespace: namespace ?? null,
        });
      }
  }
  if (grants.length === 0) throw new Error(`the table under ${heading} grants nothing`);
  return grants;
}

/** The documented grants that hold in `namespace` (`''`: cluster-scoped requests), as keys. */
export function documentedKeysIn(grants: readonly DocumentedGrant[], namespace: string): string[] {
  const keys = grants
    .filter((grant) => grant.namespace === null || grant.namespace === namespace)
    .map(grantKey);
  return [...new Set(keys)].sort(compare);
}

/** Whether the table allows `verb` on `resource` (object `name`, '' for none) in `namespace`. */
export function documentedAllows(
  grants: readonly DocumentedGrant[],
  request: { group: string; resource: string; verb: string; name: string; namespace: string },
): boolean {
  return grants.some(
    (grant) =>
      grant.group === request.group &&
      grant.resource === request.resource &&
      grant.verb === request.verb &&
      (grant.name === '*' || grant.name === request.name) &&
      (grant.namespace === null || grant.namespace === request.namespace),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
