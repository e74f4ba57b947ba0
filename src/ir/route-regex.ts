import { RE2JS } from 're2js';

/**
 * Regular-expression paths, as ingress-nginx runs them (`location ~* "^PATH"` and
 * `rewrite "(?i)PATH" TARGET`): case-insensitive, anchored at the start only, and compiled with
 * RE2 (the `re2js` port, pure JavaScript, since a native addon cannot be built without
 * downloading Node's headers) so that matching takes linear time whatever the pattern.
 * Backreferences and lookaround, which RE2 does not have, make a pattern refused.
 */

/** Longest pattern accepted, in characters; longer ones are refused by translation. */
export const MAX_PATTERN_LENGTH = 1024;

interface Compiled {
  /** `^PATH`, for matching a location. */
  readonly location: RE2JS;
  /** `PATH` unanchored, for the captures of a rewrite. */
  readonly rewrite: RE2JS;
}

// Compiled once per pattern. Patterns come from route tables, so their number is bounded by
// the routes; the cache is dropped whole if it ever grows past that scale.
const cache = new Map<string, Compiled | null>();
const MAX_CACHED = 100_000;

/** Why a pattern cannot be used, or null when it compiles. Pure; used by translation. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return `the pattern is longer than ${String(MAX_PATTERN_LENGTH)} characters`;
  }
  try {
    compile(pattern);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Compiles a pattern ahead of its first request, so that the data plane does it when a table is
 * compiled, off the request path. Returns false for a pattern that cannot be compiled (which
 * translation never lets into a table): such a pattern never matches.
 */
export function preparePattern(pattern: string): boolean {
  return compiled(pattern) !== null;
}

/** Whether a request path matches a location pattern (`^PATH`, case-insensitive). */
export function locationMatches(pattern: string, path: string): boolean {
  return compiled(pattern)?.location.matcher(path).find() ?? false;
}

/**
 * The groups of the rewrite regex on the path: `[$0, $1, ...]` (a group that took no part is
 * ''), or null when it does not match.
 */
export function rewriteCaptures(pattern: string, path: string): string[] | null {
  const matcher = compiled(pattern)?.rewrite.matcher(path);
  if (matcher === undefined || !matcher.find()) return null;
  const groups: string[] = [];
  for (let index = 0; index <= matcher.groupCount(); index++) {
    groups.push(matcher.group(index) ?? '');
  }
  return groups;
}

function compiled(pattern: string): Compiled | null {
  let entry = cache.get(pattern);
  if (entry === undefined) {
    try {
      entry = pattern.length > MAX_PATTERN_LENGTH ? null : compile(pattern);
    } catch {
      entry = null;
    }
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(pattern, entry);
  }
  return entry;
}

function compile(pattern: string): Compiled {
  return {
    location: RE2JS.compile(`^${pattern}`, RE2JS.CASE_INSENSITIVE),
    rewrite: RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE),
  };
}
