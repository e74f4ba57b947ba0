/**
 * Route lookup benchmark: ns per lookup of the compiled matcher at 100, 10,000 and 100,000
 * routes, and of the reference (linear) matcher at 100 and 10,000 for comparison. Every table
 * also has one host in regex mode (ingress-nginx's use-regex/rewrite-target) with ten patterns,
 * the "regex host" column, whose request is taken by the last pattern tried.
 * Run: `node bench/lookup.ts` (Node 24, as the npm scripts use). Figures vary with the machine.
 */
import { compileRouteTable } from '../src/dataplane/index.ts';
import { ReferenceMatcher, comparePathPrecedence, sealRouteTable } from '../src/ir/index.ts';
import type { HostRoutes, Matcher, PathRoute, RouteTable } from '../src/ir/index.ts';

const ROUTES_PER_HOST = 10;

/** Hosts of 10 routes each (Exact and deep Prefix paths); half exact hosts, half wildcards. */
function buildTable(routes: number): RouteTable {
  const hostCount = Math.max(2, Math.floor(routes / ROUTES_PER_HOST));
  const hosts: HostRoutes[] = [];
  for (let h = 0; h < hostCount; h++) {
    const host = h % 2 === 0 ? `svc${h}.example.com` : `*.team${h}.example.com`;
    const paths: PathRoute[] = [];
    for (let p = 0; p < ROUTES_PER_HOST; p++) {
      const match = p % 3 === 0 ? 'Exact' : 'Prefix';
      const path = p === 0 ? '/' : `/app${p}/b/c/d/e/f`.slice(0, 5 + 2 * (p % 6));
      paths.push({
        path,
        match,
        declaredPathType: match,
        backend: `default/svc${h}:80`,
        source: { namespace: 'default', name: `ing${h}`, rule: 0, path: p },
        sslRedirect: false,
      });
    }
    hosts.push({ host, kind: h % 2 === 0 ? 'exact' : 'wildcard', paths });
  }
  const backends = hosts.map((_, h) => ({
    id: `default/svc${h}:80`,
    namespace: 'default',
    service: `svc${h}`,
    port: 80,
    endpoints: [],
    problem: null,
  }));
  hosts.push(regexHost());
  backends.push({
    id: 'default/regex:80',
    namespace: 'default',
    service: 'regex',
    port: 80,
    endpoints: [],
    problem: null,
  });
  for (const entry of hosts) (entry.paths as PathRoute[]).sort(comparePathPrecedence);
  hosts.sort((a, b) =>
    a.kind === b.kind ? (a.host < b.host ? -1 : 1) : a.kind === 'exact' ? -1 : 1,
  );
  backends.sort((a, b) => (a.id < b.id ? -1 : 1));
  return sealRouteTable({ hosts, defaultBackend: null, backends });
}

/** A host in regex mode: ten patterns, the longest tried first; five of them rewrite. */
function regexHost(): HostRoutes {
  const paths: PathRoute[] = [];
  for (let p = 0; p < ROUTES_PER_HOST; p++) {
    const path = p === 0 ? '/' : `/api/v${p}/(users|orders)/([0-9]+)${'(/.*)?'.repeat(p % 3)}`;
    paths.push({
      path,
      match: 'Regex',
      declaredPathType: 'ImplementationSpecific',
      backend: 'default/regex:80',
      source: { namespace: 'default', name: 'regex', rule: 0, path: p },
      sslRedirect: false,
      ...(p % 2 === 0 ? { policies: { rewrite: [{ text: '/' }, { group: 1 }] } } : {}),
    });
  }
  return { host: 'regex.example.com', kind: 'exact', paths, regex: true };
}

/**
 * Requests for the last exact and the last wildcard host of the table, so that the linear scan
 * pays its full cost. The deep path walks back five `/` boundaries before `/app1/b` matches.
 */
function requests(table: RouteTable): Record<string, readonly [string, string]> {
  const exact = table.hosts.findLast((entry) => entry.kind === 'exact')?.host ?? '';
  const wildcard = table.hosts.findLast((entry) => entry.kind === 'wildcard')?.host ?? '*.';
  return {
    'exact host': [exact, '/app1/b'],
    'wildcard host': [`api${wildcard.slice(1)}`, '/app2/b/c'],
    'deep path': [exact, '/app1/b/c/d/e/f/g/h/i/j/k'],
    'miss (404)': ['unknown.example.org', '/app1/b'],
    'regex host': ['regex.example.com', '/other/page'],
  };
}

/** Mean ns per lookup over `iterations` lookups, after a warm-up. */
function measure(matcher: Matcher, [host, path]: readonly [string, string], iterations: number) {
  let hits = 0;
  for (let i = 0; i < Math.min(iterations, 100_000); i++) {
    if (matcher.match(host, path).backend !== null) hits++;
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    if (matcher.match(host, path).backend !== null) hits++;
  }
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  return { ns, hits };
}

function run(name: string, create: (table: RouteTable) => Matcher, sizes: readonly number[]) {
  const rows: Record<string, Record<string, string>> = {};
  let hits = 0;
  for (const size of sizes) {
    const table = buildTable(size);
    const matcher = create(table);
    const iterations = name === 'compiled' ? 1_000_000 : Math.max(1_000, 2_000_000 / size);
    const row: Record<string, string> = {};
    for (const [label, request] of Object.entries(requests(table))) {
      const result = measure(matcher, request, iterations);
      hits += result.hits;
      row[label] = result.ns.toFixed(0);
    }
    rows[`${name}, ${size.toLocaleString('en')} routes`] = row;
  }
  console.log(`ns per lookup (${name}; lookups that matched: ${hits})`);
  console.table(rows);
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
run('compiled', compileRouteTable, [100, 10_000, 100_000]);
run('reference', (table) => new ReferenceMatcher(table), [100, 10_000]);
