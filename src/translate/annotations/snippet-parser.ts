/**
 * A parser of nginx configuration snippets into data: directives with their arguments and
 * blocks. It never executes or templates anything; the translator decides what each directive
 * means (snippet-policies.ts). Bounded: the input length, the nesting depth and the number of
 * directives are limited, and it runs in time linear in the input.
 */

/** One directive: its name, its arguments (quotes removed, escapes read) and its block. */
export interface SnippetDirective {
  /** Lower case, as the existing reports show it. */
  readonly name: string;
  readonly args: readonly string[];
  /** Present for `name args { ... }`; empty for a Lua block, whose body is not nginx syntax. */
  readonly block?: readonly SnippetDirective[];
  /** 1-based line of the name. */
  readonly line: number;
}

/** The directives of a snippet, or why it cannot be read (with the line). */
export type SnippetParse =
  | { readonly ok: true; readonly directives: readonly SnippetDirective[] }
  | { readonly ok: false; readonly reason: string };

/** Longest snippet read, in characters (annotations total 256 KiB). */
export const MAX_SNIPPET_LENGTH = 64 * 1024;
/** Deepest nesting of blocks read (`location { if { } }` is 2). */
export const MAX_SNIPPET_DEPTH = 4;
/** Most directives read in one snippet, blocks included. */
export const MAX_SNIPPET_DIRECTIVES = 1024;

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly line: number }
  | { readonly kind: ';' | '{' | '}'; readonly line: number };

class SnippetSyntaxError extends Error {}

/** Parses a snippet; never throws on any input. */
export function parseSnippet(text: string): SnippetParse {
  if (text.length > MAX_SNIPPET_LENGTH) {
    return { ok: false, reason: `it is longer than ${String(MAX_SNIPPET_LENGTH)} characters` };
  }
  try {
    const parser = new Parser(new Tokenizer(text));
    return { ok: true, directives: parser.parseBlock(0) };
  } catch (error) {
    if (error instanceof SnippetSyntaxError) return { ok: false, reason: error.message };
    throw error;
  }
}

// Directives whose block is Lua code, not nginx syntax (lua-nginx-module's `*_by_lua_block`).
const LUA_BLOCK = /_lua_block$/;

class Parser {
  readonly #tokens: Tokenizer;
  #count = 0;

  constructor(tokens: Tokenizer) {
    this.#tokens = tokens;
  }

  /** Directives up to the `}` closing this block (depth > 0) or the end of the input. */
  parseBlock(depth: number): SnippetDirective[] {
    const directives: SnippetDirective[] = [];
    for (;;) {
      const token = this.#tokens.next();
      if (token === null) {
        if (depth > 0) throw new SnippetSyntaxError('a { is not closed by }');
        return directives;
      }
      if (token.kind === '}') {
        if (depth === 0) throw new SnippetSyntaxError(`line ${token.line}: a } closes no {`);
        return directives;
      }
      if (token.kind !== 'word') {
        throw new SnippetSyntaxError(`line ${token.line}: unexpected ${token.kind}`);
      }
      if (++this.#count > MAX_SNIPPET_DIRECTIVES) {
        throw new SnippetSyntaxError(`it has more than ${MAX_SNIPPET_DIRECTIVES} directives`);
      }
      directives.push(this.#directive(token.text, token.line, depth));
    }
  }

  #directive(word: string, line: number, depth: number): SnippetDirective {
    // A quoted empty word (`"";`) names no directive: nginx refuses it as unknown.
    if (word === '') throw new SnippetSyntaxError(`line ${line}: a directive has an empty name`);
    const name = word.toLowerCase();
    const args: string[] = [];
    for (;;) {
      const token = this.#tokens.next();
      if (token === null) {
        throw new SnippetSyntaxError(`line ${line}: ${name} is not ended by ; or a block`);
      }
      if (token.kind === 'word') {
        args.push(token.text);
        continue;
      }
      if (token.kind === ';') return { name, args, line };
      if (token.kind === '}') throw new SnippetSyntaxError(`line ${token.line}: unexpected }`);
      if (depth + 1 > MAX_SNIPPET_DEPTH) {
        throw new SnippetSyntaxError(
          `line ${token.line}: blocks are nested deeper than ${MAX_SNIPPET_DEPTH}`,
        );
      }
      if (LUA_BLOCK.test(name)) {
        this.#tokens.skipLuaBlock(token.line);
        return { name, args, block: [], line };
      }
      return { name, args, block: this.parseBlock(depth + 1), line };
    }
  }
}

const SPACE = /[ \t\r\n]/;

class Tokenizer {
  readonly #text: string;
  #at = 0;
  #line = 1;

  constructor(text: string) {
    this.#text = text;
  }

  next(): Token | null {
    const text = this.#text;
    for (;;) {
      const char = text[this.#at];
      if (char === undefined) return null;
      if (char === '\n') this.#line++;
      if (SPACE.test(char)) {
        this.#at++;
      } else if (char === '#') {
        const end = text.indexOf('\n', this.#at);
        this.#at = end < 0 ? text.length : end;
      } else if (char === ';' || char === '{' || char === '}') {
        this.#at++;
        return { kind: char, line: this.#line };
      } else if (char === '"' || char === "'") {
        return this.#quoted(char);
      } else {
        return this.#word();
      }
    }
  }

  #quoted(quote: string): Token {
    const text = this.#text;
    const line = this.#line;
    let raw = '';
    let at = this.#at + 1;
    for (;;) {
      const char = text[at];
      if (char === undefined) throw new SnippetSyntaxError(`line ${line}: a quote is not closed`);
      if (char === quote) break;
      if (char === '\n') this.#line++;
      if (char === '\\' && at + 1 < text.length) {
        raw += char + (text[at + 1] as string);
        at += 2;
        continue;
      }
      raw += char;
      at++;
    }
    this.#at = at + 1;
    const after = text[this.#at];
    // nginx refuses `"a"b`: a quoted argument ends where the quote does (`if ($a = "b")` is
    // the one exception, its `)` a word of its own).
    if (after !== undefined && !SPACE.test(after) && !';{)'.includes(after)) {
      throw new SnippetSyntaxError(`line ${this.#line}: unexpected ${after} after a quote`);
    }
    return { kind: 'word', text: unescape(raw), line };
  }

  #word(): Token {
    const text = this.#text;
    const line = this.#line;
    let raw = '';
    let at = this.#at;
    for (;;) {
      const char = text[at];
      if (char === undefined || SPACE.test(char) || char === ';') break;
      if (char === '{' || char === '}') break;
      if (char === '\\' && at + 1 < text.length) {
        raw += char + (text[at + 1] as string);
        at += 2;
        continue;
      }
      // `${name}`: nginx reads the braces of a variable as part of the word.
      if (char === '$' && text[at + 1] === '{') {
        const close = text.indexOf('}', at + 2);
        const newline = text.indexOf('\n', at + 2);
        if (close < 0 || (newline >= 0 && newline < close)) {
          throw new SnippetSyntaxError(`line ${line}: a \${ is not closed by }`);
        }
        raw += text.slice(at, close + 1);
        at = close + 1;
        continue;
      }
      raw += char;
      at++;
    }
    this.#at = at;
    return { kind: 'word', text: unescape(raw), line };
  }

  /**
   * Skips a Lua block's body to its closing brace, counting braces outside Lua strings and
   * comments; the `{` is already read. The body is never parsed: it is not nginx syntax.
   */
  skipLuaBlock(line: number): void {
    const text = this.#text;
    let depth = 1;
    let at = this.#at;
    while (at < text.length) {
      const char = text[at] as string;
      if (char === '\n') this.#line++;
      if (char === '"' || char === "'") {
        at = luaStringEnd(text, at, line);
        continue;
      }
      if (char === '-' && text[at + 1] === '-') {
        const end = text.indexOf('\n', at);
        at = end < 0 ? text.length : end;
        continue;
      }
      if (char === '{') depth++;
      if (char === '}' && --depth === 0) {
        this.#at = at + 1;
        return;
      }
      at++;
    }
    throw new SnippetSyntaxError(`line ${line}: a Lua block is not closed by }`);
  }
}

function luaStringEnd(text: string, start: number, line: number): number {
  const quote = text[start];
  for (let at = start + 1; at < text.length; at++) {
    const char = text[at];
    if (char === '\\') at++;
    else if (char === quote) return at + 1;
    else if (char === '\n') break;
  }
  throw new SnippetSyntaxError(`line ${line}: a Lua string is not closed`);
}

/** nginx's escapes: `\"`, `\'`, `\\`, `\t`, `\r`, `\n`; any other backslash is kept. */
function unescape(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(.)/gs, (whole, char: string) => {
    switch (char) {
      case '"':
      case "'":
      case '\\':
        return char;
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'n':
        return '\n';
      default:
        return whole;
    }
  });
}
