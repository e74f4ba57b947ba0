import type {
  ExactPathAnswer,
  FixedAnswer,
  HeaderOperation,
  PatternRedirect,
  RouteRedirect,
  TemplatePart,
} from '../../ir/index.ts';

/** What the directives of one snippet (or one `location` block of it) add up to, as read. */
export interface SnippetOutput {
  readonly requestHeaders: HeaderOperation[];
  readonly responseHeaders: HeaderOperation[];
  /** proxy_hide_header: applied before the other response operations. */
  readonly hides: HeaderOperation[];
  upstreamHost?: readonly TemplatePart[];
  maxBodyBytes?: number;
  /** default_type: the Content-Type of a fixed answer. */
  contentType?: string;
  /** The first `return`: what the route answers instead of proxying. */
  answer?:
    { readonly fixed: Omit<FixedAnswer, 'contentType'> } | { readonly redirect: RouteRedirect };
  readonly patternRedirects: PatternRedirect[];
  readonly exactAnswers: ExactPathAnswer[];
  /** Directives read but not applied: `name` or `name (line N: why)`. */
  readonly notApplied: string[];
}

/** An empty output. */
export function snippetOutput(): SnippetOutput {
  return {
    requestHeaders: [],
    responseHeaders: [],
    hides: [],
    patternRedirects: [],
    exactAnswers: [],
    notApplied: [],
  };
}
