import {
  explainRequest,
  normalizeRequestHost,
  type Candidate,
  type Explanation,
} from '../ir/index.ts';
import type { LoadedInput } from './load-input.ts';
import {
  INPUT_FLAGS,
  INPUT_FLAGS_HELP,
  manifestPaths,
  outputFormat,
  parseFlags,
  translateOptionsFrom,
} from './flags.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { describeInputErrors, loadInput } from './load-input.ts';

/** Help for `pointsman explain`. */
export const EXPLAIN_HELP = `Usage: pointsman explain --manifests PATH... URL [--header 'Name: value']... [options]

Says what pointsman would do with one request: the Ingress, rule and path that match, why the
nearby candidates do not, and the backend and endpoints that would serve it, or why the answer
is 400, 404 or 503. The Host comes from the URL unless a Host header is given. The rest of the
URL is taken as the request target exactly as a client would send it, through the proxy's own
parser: dot segments and repeated slashes are resolved, and a target the proxy refuses (a
#fragment, a backslash, %2F or %5C, a bad escape) is explained as a 400. The text output shows
the path the upstream would receive ("Forwards:"); json has it as request.forwardPath.
It reads manifests offline and has no live state: the endpoints listed are those the manifests
make ready, not which ones a running pointsman has taken out of rotation. For that, use the
Explain section of the running controller's status page (--status-port), or its /api/explain.
${INPUT_FLAGS_HELP}
  -H, --header 'Name: value'      a request header (only Host changes routing); repeatable
  -o, --output text|json          json prints one object: status, ingress, host, path, pathType,
                                  service, endpoints, reason, request, candidates, and
                                  captures for a regex path with a rewrite

Exit status: 0 done (whatever the answer), 1 the input has errors, 2 usage error.
`;

/** `pointsman explain`. */
export async function explainCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      ...INPUT_FLAGS,
      output: { type: 'string', short: 'o' },
      header: { type: 'string', multiple: true, short: 'H' },
    },
    true,
  );
  if (values.help) {
    io.out(EXPLAIN_HELP);
    return EXIT.ok;
  }
  const format = outputFormat(values.output);
  if (positionals.length !== 1 || positionals[0] === undefined) {
    throw new UsageError('give exactly one URL, such as http://shop.example.com/cart');
  }
  const url = parseRequestUrl(positionals[0]);
  const host = hostHeader(values.header ?? []) ?? url.authority;
  const input = await loadInput(manifestPaths(values.manifests), translateOptionsFrom(values));
  const explanation = explainRequest(input.translation.table, host, url.target);
  const withUnserved = {
    ...explanation,
    candidates: [...explanation.candidates, ...unservedIngresses(input, explanation)],
  };
  io.out(
    format === 'json'
      ? `${JSON.stringify(withUnserved, null, 2)}\n`
      : renderExplanation(withUnserved),
  );
  io.err(describeInputErrors(input));
  return input.hasErrors ? EXIT.inputErrors : EXIT.ok;
}

/**
 * Splits a URL into its authority and the request target a client would send for it, without
 * normalising anything (the URL class would resolve `..`, re-encode, and drop a `#fragment`):
 * the target goes through the proxy's own parser, which refuses a fragment as the proxy does.
 */
function parseRequestUrl(raw: string): { authority: string; target: string } {
  const match = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)(.*)$/s.exec(raw);
  if (!match) throw new UsageError(`not an absolute URL: ${JSON.stringify(raw)}`);
  const authority = (match[1] ?? '').replace(/^.*@/, '');
  const rest = match[2] ?? '';
  return { authority, target: rest.startsWith('/') ? rest : `/${rest}` };
}

function hostHeader(headers: readonly string[]): string | null {
  let host: string | null = null;
  for (const header of headers) {
    const colon = header.indexOf(':');
    if (colon <= 0)
      throw new UsageError(`a header is 'Name: value', not ${JSON.stringify(header)}`);
    if (header.slice(0, colon).trim().toLowerCase() === 'host')
      host = header.slice(colon + 1).trim();
  }
  return host;
}

/** Ingresses that name the request's host but are not served, with the reason. */
function unservedIngresses(input: LoadedInput, explanation: Explanation): Candidate[] {
  const host = normalizeRequestHost(explanation.request.host);
  const candidates: Candidate[] = [];
  for (const result of input.translation.results) {
    if (result.kind !== 'Ingress' || result.state === 'Accepted') continue;
    const object = input.snapshot.ingresses.find(
      (i) => i.namespace === result.namespace && i.name === result.name,
    );
    const spec = object?.object['spec'] as { rules?: unknown } | undefined;
    const rules = Array.isArray(spec?.rules) ? (spec.rules as unknown[]) : [];
    const names = rules.some((rule) => {
      const ruleHost = (rule as { host?: unknown } | null)?.host;
      return typeof ruleHost === 'string' && ruleHost.toLowerCase() === host;
    });
    if (!names) continue;
    const reasons = result.problems.map((p) => `${p.code}: ${p.message}`).join('; ');
    candidates.push({
      ingress: { namespace: result.namespace, name: result.name },
      host,
      path: null,
      pathType: null,
      why: `the Ingress names this host but is ${result.state === 'Rejected' ? 'rejected' : 'not ours'} (${reasons})`,
    });
  }
  return candidates;
}

function renderExplanation(e: Explanation): string {
  const lines = [`${e.request.host}${e.request.path} -> ${String(e.status)}`, `  ${e.reason}`];
  if (e.ingress) lines.push(`  Ingress:   ${e.ingress.namespace}/${e.ingress.name}`);
  if (e.path !== null)
    lines.push(`  Rule:      ${e.host ?? '(any host)'} ${e.pathType ?? ''} ${e.path}`);
  if (e.captures !== undefined) {
    const groups = e.captures.slice(1).map((value, index) => `$${String(index + 1)}=${value}`);
    lines.push(`  Captures:  ${groups.length > 0 ? groups.join(' ') : '(no groups)'}`);
  }
  if (e.request.forwardPath !== null && e.status !== 404) {
    lines.push(`  Forwards:  ${e.request.forwardPath}`);
  }
  if (e.service) {
    lines.push(
      `  Service:   ${e.service.namespace}/${e.service.name} port ${String(e.service.port)}`,
    );
    lines.push(`  Endpoints: ${e.endpoints.length > 0 ? e.endpoints.join(', ') : '(none ready)'}`);
  }
  if (e.candidates.length > 0) {
    lines.push('  Not chosen:');
    for (const c of e.candidates) {
      const what = [c.host ?? '(any host)', c.pathType, c.path].filter((x) => x !== null).join(' ');
      const owner = c.ingress ? ` [${c.ingress.namespace}/${c.ingress.name}]` : '';
      lines.push(`    ${what}${owner}: ${c.why}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
