import type { Problem, RoutePolicies } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import type { PolicyReader } from './route-policies.ts';
import { snippetPolicies, type SnippetScope } from './snippet-policies.ts';

/** The snippet annotations read as data (docs/annotations.md#snippets). */
export const CONFIGURATION_SNIPPET = `${INGRESS_NGINX_PREFIX}/configuration-snippet`;
export const SERVER_SNIPPET = `${INGRESS_NGINX_PREFIX}/server-snippet`;
export const SNIPPET_ANNOTATIONS = [CONFIGURATION_SNIPPET, SERVER_SNIPPET] as const;

/** configuration-snippet: its typed subset applies to every route of its Ingress. */
export const readConfigurationSnippet: PolicyReader = (annotations) => {
  const read = readSnippet(annotations, CONFIGURATION_SNIPPET, 'location');
  return { policies: read.policies ?? {}, problems: read.problems };
};

/**
 * server-snippet: its typed subset, for every route of the Ingress's hosts (server-snippets.ts
 * decides which Ingress's applies to a host). `policies` is null when the annotation is absent.
 */
export function readServerSnippet(annotations: Readonly<Record<string, string>>): {
  readonly policies: Partial<RoutePolicies> | null;
  readonly problems: readonly Problem[];
} {
  return readSnippet(annotations, SERVER_SNIPPET, 'server');
}

function readSnippet(
  annotations: Readonly<Record<string, string>>,
  key: string,
  scope: SnippetScope,
): { readonly policies: Partial<RoutePolicies> | null; readonly problems: readonly Problem[] } {
  const value = annotations[key] ?? '';
  if (value.trim() === '') return { policies: null, problems: [] };
  const read = snippetPolicies(value, scope);
  const problems: Problem[] =
    read.notApplied.length === 0
      ? []
      : [
          {
            code: 'UnsupportedAnnotation',
            field: `metadata.annotations[${key}]`,
            message: `${key} is applied in part (never executed): not applied: ${read.notApplied.join(', ')}`,
          },
        ];
  return { policies: read.policies, problems };
}
