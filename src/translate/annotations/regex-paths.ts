import type { Problem, RewritePart } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import { GO_FALSE as FALSE, GO_TRUE as TRUE } from '../go-bool.ts';

/** The annotations that turn regular-expression paths on, in canonical spelling. */
export const USE_REGEX_ANNOTATION = `${INGRESS_NGINX_PREFIX}/use-regex`;
export const REWRITE_TARGET_ANNOTATION = `${INGRESS_NGINX_PREFIX}/rewrite-target`;

/** How an Ingress's paths are read: as regular expressions or not, and the rewrite target. */
export interface RegexPathsRead {
  /** `use-regex: "true"`: the Ingress's paths are regular expressions. */
  readonly useRegex: boolean;
  /** The parsed `rewrite-target` and its text, or null without one. */
  readonly rewrite: { readonly text: string; readonly parts: readonly RewritePart[] } | null;
  readonly problems: readonly Problem[];
}

// ingress-nginx's validator for rewrite-target (parser.RegexPathWithCapture): an optional
// leading `/`, then URL path characters and `$`.
const TARGET = /^\/?[-._~a-zA-Z0-9/:$]*$/;

/**
 * Reads `use-regex` and `rewrite-target` (canonical spelling, see auditAnnotations). A rewrite
 * target holds literal text and the groups `$1`..`$9`; a value ingress-nginx's validator would
 * refuse, or another nginx variable, is ignored with an `IgnoredAnnotation` problem.
 */
export function regexPathsOf(annotations: Readonly<Record<string, string>>): RegexPathsRead {
  const problems: Problem[] = [];
  const useRegexValue = annotations[USE_REGEX_ANNOTATION];
  let useRegex = false;
  if (useRegexValue !== undefined) {
    if (TRUE.has(useRegexValue)) useRegex = true;
    else if (!FALSE.has(useRegexValue)) {
      problems.push(ignored(USE_REGEX_ANNOTATION, `${quote(useRegexValue)} is not a boolean`));
    }
  }
  const targetValue = annotations[REWRITE_TARGET_ANNOTATION];
  let rewrite: RegexPathsRead['rewrite'] = null;
  if (targetValue !== undefined && targetValue !== '') {
    const parts = rewriteParts(targetValue);
    if (typeof parts === 'string') problems.push(ignored(REWRITE_TARGET_ANNOTATION, parts));
    else rewrite = { text: targetValue, parts };
  }
  return { useRegex, rewrite, problems };
}

function rewriteParts(value: string): RewritePart[] | string {
  // nginx's rewrite answers a URL target with a redirect; pointsman only rewrites paths.
  if (/^https?:/i.test(value)) {
    return `${quote(value)} is a URL: a rewrite that redirects is not supported, only a path (use permanent-redirect)`;
  }
  if (!TARGET.test(value)) {
    return `${quote(value)} is not a path with $1..$9 groups (only letters, digits, -._~/: and $)`;
  }
  const parts: RewritePart[] = [];
  let text = '';
  for (let index = 0; index < value.length; index++) {
    const char = value[index] as string;
    const next = value[index + 1] ?? '';
    if (char !== '$') {
      text += char;
      continue;
    }
    if (!/^[1-9]$/.test(next)) {
      const variable = /^\$\w*/.exec(value.slice(index))?.[0] ?? '$';
      return `${quote(value)} uses ${variable}; only the groups $1 to $9 are supported`;
    }
    if (text !== '') parts.push({ text });
    text = '';
    parts.push({ group: Number(next) });
    index++;
  }
  if (text !== '') parts.push({ text });
  return parts;
}

function ignored(key: string, why: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${key}]`,
    message: `${why}; the annotation is ignored`,
  };
}

function quote(value: string): string {
  return JSON.stringify(value.slice(0, 60));
}

/**
 * Whether one path of the Ingress is a regular expression: with `use-regex`, or with a rewrite
 * target other than the path itself (ingress-nginx's needsRewrite: a target equal to the path
 * rewrites nothing and leaves the path as it is).
 */
export function isRegexPath(
  read: Pick<RegexPathsRead, 'useRegex' | 'rewrite'>,
  path: string,
): boolean {
  return read.useRegex || (read.rewrite !== null && read.rewrite.text !== path);
}
