import type { CanaryRoute, ObjectResult, RouteTable } from '../ir/index.ts';
import {
  INPUT_FLAGS,
  INPUT_FLAGS_HELP,
  manifestPaths,
  outputFormat,
  parseFlags,
  translateOptionsFrom,
} from './flags.ts';
import { EXIT, type CliIo } from './io.ts';
import { describeInputErrors, loadInput } from './load-input.ts';
import { textTable } from './text-table.ts';

/** Help for `pointsman routes`. */
export const ROUTES_HELP = `Usage: pointsman routes --manifests PATH... [options]

Prints the route table pointsman builds from the manifests: host, path, path type, Ingress,
backend and ready endpoints, then the default backend, the TLS hosts and their certificates,
then every object with a problem.
${INPUT_FLAGS_HELP}
  -o, --output text|json          json prints {table, results, diagnostics}

Exit status: 0 done, 1 the input has errors (printed on stderr), 2 usage error.
`;

/** `pointsman routes`. */
export async function routesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(
    argv,
    { ...INPUT_FLAGS, output: { type: 'string', short: 'o' } },
    false,
  );
  if (values.help) {
    io.out(ROUTES_HELP);
    return EXIT.ok;
  }
  const format = outputFormat(values.output);
  const input = await loadInput(manifestPaths(values.manifests), translateOptionsFrom(values));
  const { table, results } = input.translation;
  if (format === 'json') {
    io.out(`${JSON.stringify({ table, results, diagnostics: input.diagnostics }, null, 2)}\n`);
  } else {
    io.out(renderRoutes(table, results));
  }
  io.err(describeInputErrors(input));
  return input.hasErrors ? EXIT.inputErrors : EXIT.ok;
}

/** The route table and the objects with problems, as text for people. */
export function renderRoutes(table: RouteTable, results: readonly ObjectResult[]): string {
  const backends = new Map(table.backends.map((backend) => [backend.id, backend]));
  const describe = (id: string): [string, string] => {
    const backend = backends.get(id);
    if (!backend) return [id, '?'];
    const ready = backend.problem
      ? `0 (${backend.problem.code})`
      : String(backend.endpoints.length);
    const name = backend.service ? `${backend.service}:${String(backend.port)}` : backend.id;
    return [name, ready];
  };
  const rows = table.hosts.flatMap((entry) =>
    entry.paths.map((route) => [
      entry.kind === 'any' ? '*' : entry.host,
      route.path,
      route.match === 'Regex' ? `${route.declaredPathType} (regex)` : route.declaredPathType,
      `${route.source.namespace}/${route.source.name}`,
      ...describe(route.backend),
    ]),
  );
  let text = `Route table ${table.version}\n\n`;
  text += rows.length
    ? textTable(['HOST', 'PATH', 'TYPE', 'INGRESS', 'BACKEND', 'READY'], rows)
    : '(no rules)\n';
  const fallback = table.defaultBackend;
  if (fallback) {
    const [name, ready] = describe(fallback.backend);
    text += `\nDefault backend: ${name} from Ingress ${fallback.namespace}/${fallback.name}, ready ${ready}\n`;
  } else {
    text += '\nDefault backend: none (unmatched requests get 404)\n';
  }
  text += renderCanaries(table, describe);
  text += renderTls(table);
  const troubled = results.filter((r) => r.state !== 'Ignored' && r.problems.length > 0);
  if (troubled.length > 0) {
    text += '\nObjects with problems:\n';
    for (const result of troubled) {
      const name = result.namespace ? `${result.namespace}/${result.name}` : result.name;
      text += `  ${result.kind} ${name}: ${result.state}\n`;
      for (const problem of result.problems) {
        text += `    ${problem.code}${problem.field ? ` at ${problem.field}` : ''}: ${problem.message}\n`;
      }
    }
  }
  const ignored = results.filter((r) => r.kind === 'Ingress' && r.state === 'Ignored');
  if (ignored.length > 0) {
    text += `\nIngresses of other classes (not served): ${ignored.map((r) => `${r.namespace}/${r.name}`).join(', ')}\n`;
  }
  return text;
}

/** The routes with a canary: the canary Ingress, its backend and the rules that pick it. */
function renderCanaries(table: RouteTable, describe: (id: string) => [string, string]): string {
  const rows = table.hosts.flatMap((entry) =>
    entry.paths.flatMap((route) => {
      const canary = route.canary;
      if (canary === undefined) return [];
      const host = entry.kind === 'any' ? '*' : entry.host;
      const source = `${canary.source.namespace}/${canary.source.name}`;
      return [[host, route.path, source, ...describe(canary.backend), canaryRules(canary)]];
    }),
  );
  if (rows.length === 0) return '';
  const headings = ['HOST', 'PATH', 'CANARY', 'BACKEND', 'READY', 'RULES'];
  return `\nCanaries (requests of the route above that their rules pick):\n${textTable(headings, rows)}`;
}

/** A canary's rules in precedence order (their values passed ingress-nginx's checks). */
function canaryRules(canary: CanaryRoute): string {
  const rules: string[] = [];
  const { header } = canary;
  if (header !== undefined) {
    const how =
      header.match === 'value'
        ? ` = ${header.value}`
        : header.match === 'pattern'
          ? ` ~ ${header.pattern}`
          : header.match === 'unusable-pattern'
            ? ' (unusable pattern: main)'
            : ' always/never';
    rules.push(`header ${header.name}${how}`);
  }
  if (canary.cookie !== undefined) rules.push(`cookie ${canary.cookie} always/never`);
  if (canary.weight > 0)
    rules.push(`weight ${String(canary.weight)}/${String(canary.weightTotal)}`);
  return rules.length === 0 ? 'none (weight 0)' : rules.join(', then ');
}

/** The TLS hosts: the Secret whose certificate HTTPS serves for each, or why the default is. */
function renderTls(table: RouteTable): string {
  if (table.tls.length === 0) return '';
  const rows = table.tls.map((entry) => [
    entry.host,
    entry.secret ? `${entry.secret.namespace}/${entry.secret.name}` : '(default certificate)',
    entry.secret ? entry.secret.notAfter.slice(0, 10) : '',
    entry.problem ? entry.problem.code : '',
  ]);
  return `\nTLS (certificates served by SNI):\n${textTable(['HOST', 'CERTIFICATE', 'EXPIRES', 'PROBLEM'], rows)}`;
}
