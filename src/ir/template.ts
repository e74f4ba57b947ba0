import type { TemplatePart } from './route-table.ts';

/**
 * The nginx variables a {@link TemplatePart} may name, besides the `http_NAME` (a request
 * header), `arg_NAME` (a query argument) and `cookie_NAME` (a request cookie) families. The translator accepts no other name, and
 * the data plane fills in every one of them, so the two cannot drift apart.
 */
export const FIXED_TEMPLATE_VARIABLES = [
  'scheme',
  'host',
  'http_host',
  'request_uri',
  'uri',
  'args',
  'query_string',
  'is_args',
  'server_port',
  'request_method',
  'remote_addr',
  'binary_remote_addr',
  // ingress-nginx's own: the request URI escaped for a query parameter (set_escape_uri), and the
  // scheme the client used (auth-signin's redirect parameter is built from both).
  'escaped_request_uri',
  'pass_access_scheme',
] as const;

/** One of {@link FIXED_TEMPLATE_VARIABLES}. */
export type FixedTemplateVariable = (typeof FIXED_TEMPLATE_VARIABLES)[number];

/** The prefixes of the variable families: a request header, a query argument, a cookie. */
export const TEMPLATE_VARIABLE_PREFIXES = ['http_', 'arg_', 'cookie_'] as const;

const FIXED: ReadonlySet<string> = new Set(FIXED_TEMPLATE_VARIABLES);

/** True for a lower-case variable name (without `$`) that the data plane can fill in. */
export function isTemplateVariable(name: string): boolean {
  if (FIXED.has(name)) return true;
  return TEMPLATE_VARIABLE_PREFIXES.some(
    (prefix) => name.length > prefix.length && name.startsWith(prefix),
  );
}

/** A template written back in nginx's notation (`https://$host$request_uri`), for people. */
export function templateText(parts: readonly TemplatePart[]): string {
  return parts
    .map((part, i) => {
      if ('text' in part) return part.text;
      const next = parts[i + 1];
      // `${name}` only where a name character follows, as nginx needs it there.
      const braced = next !== undefined && 'text' in next && /^\w/.test(next.text);
      return braced ? `\${${part.variable}}` : `$${part.variable}`;
    })
    .join('');
}
