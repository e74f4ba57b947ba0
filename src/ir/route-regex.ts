import type { RE2JS } from 're2js';
import { re2js } from './re2.ts';

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
  /** `PATH` unanchored and case-sensitive, as a snippet's `rewrite` runs it in nginx. */
  readonly sensitive: RE2JS;
}

// Compiled once per pattern. Patterns come from route tables, so their number is bounded by
// the routes; the cache is dropped whole if it ever grows past that scale.
const cache = new Map<string, Compiled | null>();
const MAX_CACHED = 100_000;

/**
 * Most work a pattern may ask of the compiler, in rough units of compiled instructions (see
 * {@link patternCost}). Counted repetition multiplies a pattern's program: `\pL{1000}` twenty
 * times is 181 characters and took re2js 1.1 s to compile (measured 2026-12-02), where the
 * budget's worth takes about 20 ms.
 */
export const MAX_PATTERN_COST = 10_000;

/** Why a pattern cannot be used, or null when it compiles. Pure; used by translation. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return `the pattern is longer than ${String(MAX_PATTERN_LENGTH)} characters`;
  }
  const cost = patternCost(pattern);
  if (cost > MAX_PATTERN_COST) {
    return `the pattern expands to about ${String(cost)} instructions, more than ${String(MAX_PATTERN_COST)} (counted repetition of large character classes)`;
  }
  try {
    compile(pattern);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

// Rough weights of one atom in compiled instructions: Unicode classes are the heavy ones.
const WEIGHT = { literal: 1, any: 5, unicodeClass: 50 } as const;

/**
 * An upper estimate of the size of a pattern's compiled program, read without compiling it:
 * each atom weighs by kind (a bracket class by its length), a counted repetition `{n,m}`
 * multiplies the atom or group before it by its largest count, and groups add up. Malformed
 * syntax is left to the compiler, which refuses it.
 */
export function patternCost(pattern: string): number {
  const totals: number[] = [0];
  let last = 0;
  const add = (weight: number): void => {
    totals[totals.length - 1] = (totals.at(-1) ?? 0) + weight;
    last = weight;
  };
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '\\') {
      const next = pattern[index + 1] ?? '';
      index++;
      // A Unicode class is `\pL` or `\p{Name}`: its name is part of the atom.
      if (next === 'p' || next === 'P') {
        index =
          pattern[index + 1] === '{' ? Math.max(index, pattern.indexOf('}', index)) : index + 1;
      }
      add(next === 'p' || next === 'P' ? WEIGHT.unicodeClass : WEIGHT.literal);
    } else if (char === '[') {
      const end = classEnd(pattern, index);
      add(Math.max(1, end - index));
      index = end;
    } else if (char === '(') {
      totals.push(0);
    } else if (char === ')') {
      const group = totals.length > 1 ? (totals.pop() ?? 0) : 0;
      add(group);
    } else if (char === '{') {
      const counts = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(index));
      if (counts === null) {
        add(WEIGHT.literal);
        continue;
      }
      const times = Math.max(Number(counts[1]), Number(counts[2] || counts[1]));
      totals[totals.length - 1] = (totals.at(-1) ?? 0) + last * (times - 1);
      last *= times;
      index += counts[0].length - 1;
    } else if (char === '.') {
      add(WEIGHT.any);
    } else if (!'*+?|^$'.includes(char)) {
      add(WEIGHT.literal);
    }
  }
  return totals.reduce((sum, value) => sum + value, 0);
}

/** The index of the `]` that closes the bracket class opening at `start` (or the end). */
function classEnd(pattern: string, start: number): number {
  let index = start + 1;
  if (pattern[index] === '^') index++;
  if (pattern[index] === ']') index++;
  for (; index < pattern.length; index++) {
    if (pattern[index] === '\\') index++;
    else if (pattern[index] === ']') return index;
  }
  return pattern.length;
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
export function rewriteCaptures(
  pattern: string,
  path: string,
  options: { readonly caseSensitive?: boolean } = {},
): string[] | null {
  const entry = compiled(pattern);
  const regex = options.caseSensitive === true ? entry?.sensitive : entry?.rewrite;
  const matcher = regex?.matcher(path);
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
      const usable =
        pattern.length <= MAX_PATTERN_LENGTH && patternCost(pattern) <= MAX_PATTERN_COST;
      entry = usable ? compile(pattern) : null;
    } catch {
      entry = null;
    }
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(pattern, entry);
  }
  return entry;
}

function compile(pattern: string): Compiled {
  const re2 = re2js();
  return {
    location: re2.compile(`^${pattern}`, re2.CASE_INSENSITIVE),
    rewrite: re2.compile(pattern, re2.CASE_INSENSITIVE),
    sensitive: re2.compile(pattern),
  };
}
