import type { RoutePolicies } from '../../ir/index.ts';
import {
  DEFAULT_CONTENT_TYPE,
  readBodySize,
  readChunked,
  readDefaultType,
  readReturn,
  readRewrite,
  type DirectiveReader,
} from './snippet-answers.ts';
import { snippetDirectives } from './snippet-directives.ts';
import { HEADER_DIRECTIVES } from './snippet-headers.ts';
import { snippetOutput, type SnippetOutput } from './snippet-output.ts';
import { parseSnippet, type SnippetDirective } from './snippet-parser.ts';

/** Where a snippet goes in ingress-nginx: a location (configuration-snippet) or the server. */
export type SnippetScope = 'location' | 'server';

/** What a snippet adds to its routes, and the directives it has that are not applied. */
export interface SnippetPolicies {
  readonly policies: Partial<RoutePolicies>;
  /** `name`, or `name (line N: why)` for a directive of the subset that could not be read. */
  readonly notApplied: readonly string[];
}

// Server-level directives ingress-nginx's own location directives always override.
const OVERRIDDEN_AT_SERVER: Readonly<Record<string, string>> = {
  proxy_set_header:
    "ingress-nginx's locations set proxy headers of their own, which replace the server's",
  client_max_body_size:
    "ingress-nginx writes client_max_body_size in every location, which overrides the server's",
};
// What a `location = /path` block may hold: a fixed answer and its headers.
const IN_EXACT_LOCATION = new Set([
  'return',
  'add_header',
  'more_set_headers',
  'more_clear_headers',
  'default_type',
]);
const EXACT_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]{0,1023}$/;

const READERS: Readonly<Record<string, DirectiveReader>> = {
  ...HEADER_DIRECTIVES,
  return: readReturn,
  rewrite: readRewrite,
  client_max_body_size: readBodySize,
  default_type: readDefaultType,
  chunked_transfer_encoding: readChunked,
  location: (directive, out) => readExactLocation(directive, out),
};

/**
 * Reads a snippet into route policies: the typed subset of docs/annotations.md#snippets, each
 * directive checked as it is read. Nothing is executed. A snippet with access directives, or
 * one that cannot be parsed, adds nothing here: auditAnnotations fails its Ingress closed.
 */
export function snippetPolicies(snippet: string, scope: SnippetScope): SnippetPolicies {
  const parsed = parseSnippet(snippet);
  const { access } = snippetDirectives(snippet);
  if (!parsed.ok || access.length > 0) return { policies: {}, notApplied: [] };
  const out = snippetOutput();
  readDirectives(parsed.directives, out, (name) =>
    scope === 'server' ? OVERRIDDEN_AT_SERVER[name] : undefined,
  );
  return { policies: policiesOf(out), notApplied: out.notApplied };
}

function readDirectives(
  directives: readonly SnippetDirective[],
  out: SnippetOutput,
  refused: (name: string) => string | undefined,
): void {
  for (const directive of directives) {
    const reader = READERS[directive.name];
    if (reader === undefined) {
      out.notApplied.push(directive.name);
      continue;
    }
    const why = refused(directive.name) ?? reader(directive, out);
    if (why !== null)
      out.notApplied.push(`${directive.name} (line ${String(directive.line)}: ${why})`);
  }
}

/** `location = /path { return ...; add_header ...; }`: an answer for one exact path. */
function readExactLocation(directive: SnippetDirective, out: SnippetOutput): string | null {
  const { args, block = [] } = directive;
  const path =
    args.length === 2 && args[0] === '='
      ? args[1]
      : args.length === 1
        ? /^=(\/.*)$/.exec(args[0] as string)?.[1]
        : undefined;
  if (path === undefined) return 'only exact locations (location = /path) are supported';
  if (!EXACT_PATH.test(path)) return 'the path is not a plain path';
  const inner = snippetOutput();
  readDirectives(block, inner, (name) =>
    IN_EXACT_LOCATION.has(name)
      ? undefined
      : 'only return, default_type and response headers are supported in a location',
  );
  if (inner.notApplied.length > 0)
    return `it holds what is not applied: ${inner.notApplied.join(', ')}`;
  const answer = inner.answer;
  if (answer === undefined) return 'it has no return: only fixed answers and redirects are served';
  const headers = [...inner.hides, ...inner.responseHeaders];
  out.exactAnswers.push({
    path,
    answer:
      'fixed' in answer
        ? {
            kind: 'fixed',
            fixed: {
              ...answer.fixed,
              contentType: inner.contentType ?? out.contentType ?? DEFAULT_CONTENT_TYPE,
            },
          }
        : { kind: 'redirect', code: answer.redirect.code, location: answer.redirect.location },
    ...(headers.length === 0 ? {} : { responseHeaders: headers }),
  });
  return null;
}

/** The policies of a snippet's output; empty lists are left out, so the IR stays canonical. */
function policiesOf(out: SnippetOutput): Partial<RoutePolicies> {
  const responseHeaders = [...out.hides, ...out.responseHeaders];
  const answer = out.answer;
  return {
    ...(out.requestHeaders.length === 0 ? {} : { requestHeaders: out.requestHeaders }),
    ...(responseHeaders.length === 0 ? {} : { responseHeaders }),
    ...(out.upstreamHost === undefined ? {} : { upstreamHost: out.upstreamHost }),
    ...(out.maxBodyBytes === undefined ? {} : { maxBodyBytes: out.maxBodyBytes }),
    ...(out.patternRedirects.length === 0 ? {} : { patternRedirects: out.patternRedirects }),
    ...(out.exactAnswers.length === 0 ? {} : { exactAnswers: out.exactAnswers }),
    ...(answer === undefined
      ? {}
      : 'fixed' in answer
        ? { answer: { ...answer.fixed, contentType: out.contentType ?? DEFAULT_CONTENT_TYPE } }
        : { redirect: answer.redirect }),
  };
}
