import type { Problem, RoutePolicies } from '../../ir/index.ts';
import { SERVER_SNIPPET } from './snippet-reader.ts';

/** An Ingress as server-snippet selection sees it. */
export interface ServerSnippetHolder {
  /** `namespace/name`, for messages. */
  readonly name: string;
  /** Its rule hosts (`''` for rules without one). */
  readonly hosts: readonly string[];
  /** Its server-snippet's policies; null without one. */
  readonly server: Partial<RoutePolicies> | null;
}

/**
 * The server-snippet that applies to each host: as in ingress-nginx, where a server block has
 * one server-snippet, the oldest Ingress's (callers pass them oldest first). A younger
 * Ingress's snippet is not applied on that host, with a problem (by index in `holders`).
 */
export function serverPoliciesOf(holders: readonly ServerSnippetHolder[]): {
  readonly byHost: ReadonlyMap<string, Partial<RoutePolicies>>;
  readonly problems: ReadonlyMap<number, readonly Problem[]>;
} {
  const byHost = new Map<string, Partial<RoutePolicies>>();
  const owners = new Map<string, string>();
  const problems = new Map<number, Problem[]>();
  holders.forEach((holder, index) => {
    if (holder.server === null) return;
    for (const host of new Set(holder.hosts)) {
      const owner = owners.get(host);
      if (owner === undefined) {
        owners.set(host, holder.name);
        byHost.set(host, holder.server);
      } else if (owner !== holder.name) {
        const list = problems.get(index) ?? [];
        list.push({
          code: 'IgnoredAnnotation',
          field: `metadata.annotations[${SERVER_SNIPPET}]`,
          message: `${SERVER_SNIPPET} is not applied on ${host === '' ? 'rules without a host' : host}: the server-snippet of older Ingress ${owner} applies there, as in ingress-nginx`,
        });
        problems.set(index, list);
      }
    }
  });
  return { byHost, problems };
}

/**
 * A route's policies with its host's server-snippet: the server's header operations and
 * pattern redirects come first (nginx runs the server's rewrite phase before the location's);
 * a server `return` answers before the route's; the server's add_header operations apply only
 * where the route has none of its own (nginx's add_header inheritance).
 */
export function mergeServerPolicies(
  server: Partial<RoutePolicies> | undefined,
  route: RoutePolicies | undefined,
): RoutePolicies | undefined {
  if (server === undefined || Object.keys(server).length === 0) return route;
  const own = route ?? {};
  const ownAdds = (own.responseHeaders ?? []).some((op) => op.action === 'add');
  const serverResponse = (server.responseHeaders ?? []).filter(
    (op) => !ownAdds || op.action !== 'add',
  );
  // A server `return` answers before the location's: the route's own answer never runs.
  const answers = server.answer !== undefined || server.redirect !== undefined ? server : own;
  const merged: RoutePolicies = {
    ...withoutAnswers(own),
    ...(answers.answer === undefined ? {} : { answer: answers.answer }),
    ...(answers.redirect === undefined ? {} : { redirect: answers.redirect }),
    ...list('requestHeaders', server.requestHeaders, own.requestHeaders),
    ...list('responseHeaders', serverResponse, own.responseHeaders),
    ...list('patternRedirects', server.patternRedirects, own.patternRedirects),
    ...list('exactAnswers', server.exactAnswers, own.exactAnswers),
  };
  return merged;
}

function withoutAnswers(policies: RoutePolicies): RoutePolicies {
  return Object.fromEntries(
    Object.entries(policies).filter(([key]) => key !== 'answer' && key !== 'redirect'),
  );
}

function list<K extends string, T>(
  key: K,
  first: readonly T[] | undefined,
  second: readonly T[] | undefined,
): Partial<Record<K, readonly T[]>> {
  const both = [...(first ?? []), ...(second ?? [])];
  return both.length === 0 ? {} : ({ [key]: both } as unknown as Partial<Record<K, readonly T[]>>);
}
