/** A YAML mapping as plain data. */
export type Mapping = Readonly<Record<string, unknown>>;

/** True for a mapping (a plain object), false for lists, scalars and null. */
export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names the YAML type of a value for messages ("a list", "a string", ...). */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/**
 * True when the data refers back to one of its own ancestors. YAML aliases can build such
 * cycles (`a: &x [*x]`), and the yaml library returns them as they are; nothing downstream
 * (JSON, hashing, the translator's walks) survives one.
 */
export function hasCycle(value: unknown): boolean {
  const done = new WeakSet<object>();
  const onPath = new WeakSet<object>();
  const visit = (node: unknown): boolean => {
    if (typeof node !== 'object' || node === null || done.has(node)) return false;
    if (onPath.has(node)) return true;
    onPath.add(node);
    for (const child of Object.values(node)) if (visit(child)) return true;
    onPath.delete(node);
    done.add(node);
    return false;
  };
  return visit(value);
}
