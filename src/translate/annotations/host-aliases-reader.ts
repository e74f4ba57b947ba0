import type { Problem } from '../../ir/index.ts';
import { ruleHostError } from '../validate/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import { GO_FALSE as FALSE, GO_TRUE as TRUE } from '../go-bool.ts';

/** The annotations that give an Ingress's hosts more names, in canonical spelling. */
export const SERVER_ALIAS_ANNOTATION = `${INGRESS_NGINX_PREFIX}/server-alias`;
export const FROM_TO_WWW_REDIRECT_ANNOTATION = `${INGRESS_NGINX_PREFIX}/from-to-www-redirect`;

/** What an Ingress asks for its hosts' other names. */
export interface HostAliasesRead {
  /** `server-alias`: more names for every rule host of the Ingress, lower case. */
  readonly aliases: readonly string[];
  /** `from-to-www-redirect`: the www / non-www twin of each rule host redirects to it. */
  readonly fromToWww: boolean;
  readonly problems: readonly Problem[];
}

// More than this many aliases is not a real configuration; the rest are refused.
const MAX_ALIASES = 100;

/**
 * Reads `server-alias` (comma-separated names, each a DNS name or a `*.` wildcard, as rule hosts
 * are; nginx's regular-expression server names are refused) and `from-to-www-redirect`. A bad
 * name or value is left out with an `IgnoredAnnotation` problem.
 */
export function hostAliasesOf(annotations: Readonly<Record<string, string>>): HostAliasesRead {
  const problems: Problem[] = [];
  const aliases: string[] = [];
  const value = annotations[SERVER_ALIAS_ANNOTATION];
  if (value !== undefined) {
    const names = value
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== '');
    for (const [index, name] of names.entries()) {
      const error =
        index >= MAX_ALIASES ? `more than ${String(MAX_ALIASES)} aliases` : ruleHostError(name);
      if (error === null) {
        if (!aliases.includes(name)) aliases.push(name);
      } else {
        problems.push(
          ignored(
            SERVER_ALIAS_ANNOTATION,
            `${JSON.stringify(name.slice(0, 80))}: ${error}; this alias is ignored`,
          ),
        );
      }
    }
  }
  const www = annotations[FROM_TO_WWW_REDIRECT_ANNOTATION];
  if (www !== undefined && !TRUE.has(www) && !FALSE.has(www)) {
    problems.push(
      ignored(
        FROM_TO_WWW_REDIRECT_ANNOTATION,
        `${JSON.stringify(www.slice(0, 40))} is not a boolean; the annotation is ignored`,
      ),
    );
  }
  return { aliases, fromToWww: www !== undefined && TRUE.has(www), problems };
}

function ignored(key: string, message: string): Problem {
  return { code: 'IgnoredAnnotation', field: `metadata.annotations[${key}]`, message };
}
