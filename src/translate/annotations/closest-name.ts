/**
 * The known name closest to a misspelt one (`rewrite_target` -> `rewrite-target`), or null
 * when none is close: at most a third of the name's length in edits (insert, delete, replace),
 * after `_` is read as `-` and case is ignored. Names are short and the catalogue small, so a
 * plain dynamic-programming distance is enough; it is bounded by the cap on name length.
 */
export function closestName(name: string, known: Iterable<string>): string | null {
  const wanted = name.toLowerCase().replaceAll('_', '-');
  if (wanted.length > MAX_NAME) return null;
  let best: string | null = null;
  let bestDistance = Math.max(1, Math.floor(wanted.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

// Annotation name parts are at most 63 characters (a qualified name's name part).
const MAX_NAME = 63;

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
