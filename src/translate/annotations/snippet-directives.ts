/** The directives of an nginx snippet, read as data: never executed, never templated. */
export interface SnippetDirectives {
  /** Directive names in order of first appearance, lower case, each once. */
  readonly names: readonly string[];
  /** The names among them that allow, deny or limit access (`return` with a 4xx or 5xx). */
  readonly access: readonly string[];
  /** True when the snippet was longer than the bound and only its start was read. */
  readonly truncated: boolean;
}

// nginx directives that decide who gets in, or how often: an Ingress that relies on one of them
// must not be served without it. Matched by name (lua and njs handlers by prefix).
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

// Snippets are annotation values (256 KiB for all annotations together); reading stops here.
const MAX_SNIPPET = 64 * 1024;

/**
 * Lists the directives of a snippet: the first word of each statement, statements ending at
 * `;`, `{` or `}` outside quotes, `#` comments skipped. A `return` whose code is 400 or more
 * counts as access (a snippet that refuses some requests itself, typically under an `if`); a
 * redirecting `return` does not.
 */
export function snippetDirectives(snippet: string): SnippetDirectives {
  const statements = splitStatements(snippet.slice(0, MAX_SNIPPET));
  const names: string[] = [];
  const access: string[] = [];
  for (const [first = '', second = ''] of statements) {
    const name = first.toLowerCase();
    if (!names.includes(name)) names.push(name);
    const refuses = name === 'return' && /^\d+$/.test(second) && Number(second) >= 400;
    const isAccess =
      refuses || ACCESS.has(name) || ACCESS_PREFIXES.some((prefix) => name.startsWith(prefix));
    if (isAccess && !access.includes(name)) access.push(name);
  }
  return { names, access, truncated: snippet.length > MAX_SNIPPET };
}

/** The first two words of each statement (quotes removed). */
function splitStatements(text: string): string[][] {
  const statements: string[][] = [];
  let words: string[] = [];
  let word = '';
  let quote: string | null = null;
  const endWord = (): void => {
    if (word !== '' && words.length < 2) words.push(word);
    word = '';
  };
  const endStatement = (): void => {
    endWord();
    if (words.length > 0) statements.push(words);
    words = [];
  };
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (quote !== null) {
      if (char === quote) quote = null;
      else word += char === '\\' ? (text[++index] ?? '') : char;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#') {
      const end = text.indexOf('\n', index);
      index = end < 0 ? text.length : end;
    } else if (char === ';' || char === '{' || char === '}') {
      endStatement();
    } else if (/\s/.test(char)) {
      endWord();
    } else {
      word += char;
    }
  }
  endStatement();
  return statements;
}
