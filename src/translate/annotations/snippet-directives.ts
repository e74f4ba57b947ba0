import { parseSnippet, type SnippetDirective } from './snippet-parser.ts';

/** The directives of an nginx snippet, read as data: never executed, never templated. */
export interface SnippetDirectives {
  /** Directive names in order of first appearance, blocks included, lower case, each once. */
  readonly names: readonly string[];
  /** The names among them that allow, deny or limit access (`return` with a 4xx or 5xx). */
  readonly access: readonly string[];
  /** Why the snippet cannot be read (too long, unbalanced braces, ...); null when it can. */
  readonly unreadable: string | null;
}

// nginx directives that decide who gets in, or how often: an Ingress that relies on one of them
// must not be served without it. Matched by name (lua and njs handlers by prefix). This is the
// one list: audit-annotations.ts fails an Ingress closed by it.
const ACCESS = new Set([
  'allow',
  'deny',
  'satisfy',
  'limit_req',
  'limit_conn',
  'limit_except',
  'limit_rate',
  'ssl_verify_client',
  'modsecurity',
  'modsecurity_rules',
]);
const ACCESS_PREFIXES = ['access_by_', 'auth_', 'js_access'];

/**
 * True for a directive that decides who gets in: one of the access directives, or a `return`
 * whose code is 400 or more (a snippet that refuses some requests itself, typically under an
 * `if`); a redirecting or answering `return` is not.
 */
export function isAccessDirective(directive: Pick<SnippetDirective, 'name' | 'args'>): boolean {
  const { name, args } = directive;
  if (name === 'return') {
    const code = args[0] ?? '';
    return /^\d+$/.test(code) && Number(code) >= 400;
  }
  return ACCESS.has(name) || ACCESS_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * Lists the directives of a snippet, those inside blocks included (a Lua block's body is not
 * nginx syntax and is not read), and those among them that are about access.
 */
export function snippetDirectives(snippet: string): SnippetDirectives {
  const parsed = parseSnippet(snippet);
  if (!parsed.ok) return { names: [], access: [], unreadable: parsed.reason };
  const names: string[] = [];
  const access: string[] = [];
  const visit = (directives: readonly SnippetDirective[]): void => {
    for (const directive of directives) {
      if (!names.includes(directive.name)) names.push(directive.name);
      if (isAccessDirective(directive) && !access.includes(directive.name)) {
        access.push(directive.name);
      }
      if (directive.block !== undefined) visit(directive.block);
    }
  };
  visit(parsed.directives);
  return { names, access, unreadable: null };
}
