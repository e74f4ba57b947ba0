import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ReferenceMatcher,
  comparePathPrecedence,
  normalizePrefix,
  sealRouteTable,
} from '../../ir/index.ts';
import type {
  Backend,
  HostRoutes,
  MatchType,
  Matcher,
  PathRoute,
  RouteTable,
} from '../../ir/index.ts';
import { compileRouteTable } from './compile-table.ts';

/** One rule as a test declares it: match type, path as written, backend id. */
type Rule = readonly [MatchType, string, string];

/** Rules per host (`''` for host-less, `*.x` for wildcards) and an optional default backend. */
interface TableSpec {
  readonly hosts: Readonly<Record<string, readonly Rule[]>>;
  readonly defaultBackend?: string;
}

function hostKind(host: string): HostRoutes['kind'] {
  if (host === '') return 'any';
  return host.startsWith('*.') ? 'wildcard' : 'exact';
}

const HOST_ORDER = { exact: 0, wildcard: 1, any: 2 } as const;

function testBackend(id: string): Backend {
  return { id, namespace: 'default', service: id, port: 80, endpoints: [], problem: null };
}

/** Builds a sealed table the way translation would: normalised, in precedence order. */
function buildTable(spec: TableSpec): RouteTable {
  const hosts = Object.entries(spec.hosts).map(([host, rules], rule): HostRoutes => {
    const paths = rules.map(([match, path, backend], index): PathRoute => ({
      path: match === 'Prefix' ? normalizePrefix(path) : path,
      match,
      declaredPathType: match === 'Regex' ? 'ImplementationSpecific' : match,
      backend,
      source: { namespace: 'default', name: 'test', rule, path: index },
      sslRedirect: false,
      // Regex routes rewrite, so that the captures of both matchers are compared too.
      ...(match === 'Regex' ? { policies: { rewrite: [{ text: '/' }, { group: 1 }] } } : {}),
    }));
    const regex = paths.some((route) => route.match === 'Regex') ? { regex: true as const } : {};
    return { host, kind: hostKind(host), paths: paths.sort(comparePathPrecedence), ...regex };
  });
  hosts.sort(
    (a, b) =>
      HOST_ORDER[a.kind] - HOST_ORDER[b.kind] || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0),
  );
  const ids = new Set(hosts.flatMap((entry) => entry.paths.map((route) => route.backend)));
  if (spec.defaultBackend !== undefined) ids.add(spec.defaultBackend);
  return sealRouteTable({
    hosts,
    defaultBackend:
      spec.defaultBackend === undefined
        ? null
        : { backend: spec.defaultBackend, namespace: 'default', name: 'test' },
    backends: [...ids].sort().map(testBackend),
  });
}

/** Kubernetes Ingress docs, "Examples" of path matching: rules, request, the rule that wins. */
const PATH_EXAMPLES: readonly {
  rules: readonly (readonly [MatchType, string])[];
  request: string;
  want: string | null;
}[] = [
  { rules: [['Prefix', '/']], request: '/', want: 'Prefix /' },
  { rules: [['Prefix', '/']], request: '/aaa/bbb/', want: 'Prefix /' },
  { rules: [['Prefix', '/']], request: '//', want: 'Prefix /' },
  { rules: [['Exact', '/foo']], request: '/foo', want: 'Exact /foo' },
  { rules: [['Exact', '/foo']], request: '/bar', want: null },
  { rules: [['Exact', '/foo']], request: '/foo/', want: null },
  { rules: [['Exact', '/foo/']], request: '/foo', want: null },
  { rules: [['Prefix', '/foo']], request: '/foo', want: 'Prefix /foo' },
  { rules: [['Prefix', '/foo']], request: '/foo/', want: 'Prefix /foo' },
  { rules: [['Prefix', '/foo/']], request: '/foo', want: 'Prefix /foo/' },
  { rules: [['Prefix', '/foo/']], request: '/foo/', want: 'Prefix /foo/' },
  { rules: [['Prefix', '/aaa/bb']], request: '/aaa/bbb', want: null },
  { rules: [['Prefix', '/aaa/bbb']], request: '/aaa/bbb', want: 'Prefix /aaa/bbb' },
  { rules: [['Prefix', '/aaa/bbb/']], request: '/aaa/bbb', want: 'Prefix /aaa/bbb/' },
  { rules: [['Prefix', '/aaa/bbb']], request: '/aaa/bbb/', want: 'Prefix /aaa/bbb' },
  { rules: [['Prefix', '/aaa/bbb']], request: '/aaa/bbb/ccc', want: 'Prefix /aaa/bbb' },
  { rules: [['Prefix', '/aaa/bbb']], request: '/aaa/bbbxyz', want: null },
  {
    rules: [
      ['Prefix', '/'],
      ['Prefix', '/aaa'],
    ],
    request: '/aaa/ccc',
    want: 'Prefix /aaa',
  },
  {
    rules: [
      ['Prefix', '/'],
      ['Prefix', '/aaa'],
      ['Prefix', '/aaa/bbb'],
    ],
    request: '/aaa/bbb',
    want: 'Prefix /aaa/bbb',
  },
  {
    rules: [
      ['Prefix', '/'],
      ['Prefix', '/aaa'],
      ['Prefix', '/aaa/bbb'],
    ],
    request: '/ccc',
    want: 'Prefix /',
  },
  { rules: [['Prefix', '/aaa']], request: '/ccc', want: null },
  {
    rules: [
      ['Prefix', '/foo'],
      ['Exact', '/foo'],
    ],
    request: '/foo',
    want: 'Exact /foo',
  },
];

/** A table whose backend ids name the rule (`Prefix /foo`), so a match says which rule won. */
function labelledRules(rules: readonly (readonly [MatchType, string])[]): Rule[] {
  return rules.map(([match, path]) => [match, path, `${match} ${path}`]);
}

/** The contract every Matcher honours; run against each implementation. */
function matcherContract(name: string, create: (table: RouteTable) => Matcher): void {
  void describe(`Matcher contract: ${name}`, () => {
    void describe('path matching (Kubernetes Ingress docs examples)', () => {
      for (const { rules, request, want } of PATH_EXAMPLES) {
        const label = rules.map(([match, path]) => `${match} ${path}`).join(', ');
        void test(`${label}: ${request} -> ${want ?? 'no match'}`, () => {
          const table = buildTable({ hosts: { 'foo.com': labelledRules(rules) } });
          const result = create(table).match('foo.com', request);
          assert.equal(result.backend, want);
          assert.equal(result.kind, want === null ? 'none' : 'rule');
          assert.equal(result.host, table.hosts[0]);
          assert.equal(result.route?.backend ?? null, want);
        });
      }
    });

    void describe('hosts', () => {
      const wildcardOnly = buildTable({ hosts: { '*.foo.com': [['Prefix', '/', 'wild']] } });
      for (const [host, want] of [
        ['bar.foo.com', 'wild'],
        ['baz.bar.foo.com', null],
        ['foo.com', null],
        ['.foo.com', null],
      ] as const) {
        void test(`*.foo.com: ${host} -> ${want ?? 'no match'}`, () => {
          const result = create(wildcardOnly).match(host, '/');
          assert.equal(result.backend, want);
          assert.equal(result.host, want === null ? null : wildcardOnly.hosts[0]);
        });
      }

      const layered = buildTable({
        hosts: {
          'bar.foo.com': [['Prefix', '/exact', 'exact']],
          '*.foo.com': [['Prefix', '/wild', 'wild']],
          '': [['Prefix', '/', 'any']],
        },
      });
      const entry = (host: string) => layered.hosts.find((routes) => routes.host === host);

      void test('the exact host beats the wildcard', () => {
        const result = create(layered).match('bar.foo.com', '/exact/x');
        assert.equal(result.backend, 'exact');
        assert.equal(result.host, entry('bar.foo.com'));
      });
      void test('the wildcard beats the host-less rules', () => {
        const result = create(layered).match('baz.foo.com', '/wild');
        assert.equal(result.backend, 'wild');
        assert.equal(result.host, entry('*.foo.com'));
      });
      void test('other hosts use the host-less rules', () => {
        const result = create(layered).match('example.org', '/anything');
        assert.equal(result.backend, 'any');
        assert.equal(result.host, entry(''));
      });
      void test('no fall-through to a less specific host entry', () => {
        assert.deepEqual(create(layered).match('bar.foo.com', '/wild'), {
          kind: 'none',
          host: entry('bar.foo.com'),
          route: null,
          backend: null,
        });
        assert.deepEqual(create(layered).match('baz.foo.com', '/other'), {
          kind: 'none',
          host: entry('*.foo.com'),
          route: null,
          backend: null,
        });
      });
    });

    void describe('default backend and 404', () => {
      const rules: Rule[] = [['Prefix', '/aaa', 'aaa']];
      const withDefault = buildTable({ hosts: { 'foo.com': rules }, defaultBackend: 'dflt' });
      const without = buildTable({ hosts: { 'foo.com': rules } });

      void test('no matching path uses the default backend, keeping the selected host', () => {
        assert.deepEqual(create(withDefault).match('foo.com', '/ccc'), {
          kind: 'default',
          host: withDefault.hosts[0],
          route: null,
          backend: 'dflt',
        });
      });
      void test('no host entry uses the default backend', () => {
        assert.deepEqual(create(withDefault).match('bar.com', '/aaa'), {
          kind: 'default',
          host: null,
          route: null,
          backend: 'dflt',
        });
      });
      void test('without a default backend it is a 404', () => {
        assert.deepEqual(create(without).match('foo.com', '/ccc'), {
          kind: 'none',
          host: without.hosts[0],
          route: null,
          backend: null,
        });
        assert.deepEqual(create(without).match('bar.com', '/aaa'), {
          kind: 'none',
          host: null,
          route: null,
          backend: null,
        });
      });
      void test('an empty table answers 404 or the default backend', () => {
        const empty = buildTable({ hosts: {} });
        assert.equal(create(empty).match('foo.com', '/').kind, 'none');
        const onlyDefault = buildTable({ hosts: {}, defaultBackend: 'dflt' });
        assert.equal(create(onlyDefault).match('foo.com', '/').backend, 'dflt');
      });
    });
  });
}

matcherContract('ReferenceMatcher', (table) => new ReferenceMatcher(table));
matcherContract('compileRouteTable', compileRouteTable);

void describe('compileRouteTable', () => {
  void test('exposes the table and its backends by id', () => {
    const table = buildTable({ hosts: { 'foo.com': [['Prefix', '/', 'web']] } });
    const compiled = compileRouteTable(table);
    assert.equal(compiled.table, table);
    assert.equal(compiled.backend('web'), table.backends[0]);
    assert.equal(compiled.backend('nope'), undefined);
  });

  void test('returns the same frozen result object for repeated lookups', () => {
    const table = buildTable({ hosts: { 'foo.com': [['Prefix', '/a', 'a']] } });
    const compiled = compileRouteTable(table);
    const first = compiled.match('foo.com', '/a/b');
    assert.equal(compiled.match('foo.com', '/a/c'), first);
    assert.ok(Object.isFrozen(first));
  });
});

// Small alphabets, so that generated hosts and paths collide and overlap often.
const hostLabel = fc.constantFrom('a', 'b', 'ab');
const segment = fc.constantFrom('a', 'b', 'aa', '');
const dnsName = fc
  .array(hostLabel, { minLength: 1, maxLength: 3 })
  .map((labels) => labels.join('.'));
const ruleHost = fc.oneof(
  dnsName,
  dnsName.map((name) => `*.${name}`),
  fc.constant(''),
);
const path = fc
  .tuple(fc.array(segment, { maxLength: 4 }), fc.boolean())
  .map(([segments, slash]) => `/${segments.join('/')}${slash && segments.length > 0 ? '/' : ''}`);
const rule = fc.record({
  host: ruleHost,
  match: fc.constantFrom<MatchType>('Exact', 'Prefix'),
  path,
  backend: fc.constantFrom('b1', 'b2', 'b3'),
});
const tableSpec = fc
  .record({
    rules: fc.uniqueArray(rule, {
      maxLength: 12,
      selector: (r) =>
        `${r.host} ${r.match} ${r.match === 'Prefix' ? normalizePrefix(r.path) : r.path}`,
    }),
    defaultBackend: fc.option(fc.constant('dflt'), { nil: undefined }),
  })
  .map(({ rules, defaultBackend }): TableSpec => {
    const hosts: Record<string, Rule[]> = {};
    for (const r of rules) (hosts[r.host] ??= []).push([r.match, r.path, r.backend]);
    return defaultBackend === undefined ? { hosts } : { hosts, defaultBackend };
  });
const requestHost = fc.oneof(dnsName, fc.constantFrom('', 'x', '.a', 'a..b'));
const requestPath = fc.oneof(
  { weight: 9, arbitrary: path },
  { weight: 1, arbitrary: fc.constantFrom('', '*', 'a/b', '//', '///a') },
);
const request = fc.tuple(requestHost, requestPath);

/** The compiled matcher gives the reference's answer, the same objects, for every request. */
function matchesLikeTheReference(spec: TableSpec, requests: readonly [string, string][]): void {
  const table = buildTable(spec);
  const reference = new ReferenceMatcher(table);
  const compiled = compileRouteTable(table);
  for (const [host, requestPath] of requests) {
    const want = reference.match(host, requestPath);
    const got = compiled.match(host, requestPath);
    assert.deepStrictEqual(got, want, `${host} ${requestPath}`);
    assert.equal(got.host, want.host);
    assert.equal(got.route, want.route);
  }
}

void describe('compileRouteTable against ReferenceMatcher (property)', () => {
  void test('gives the same result for random tables and requests', () => {
    fc.assert(
      fc.property(
        tableSpec,
        fc.array(request, { minLength: 1, maxLength: 20 }),
        matchesLikeTheReference,
      ),
      { numRuns: 2000 },
    );
  });
});

// Regex hosts: every path a pattern, the first match in precedence order wins.
const pattern = fc
  .array(fc.constantFrom('/a', '/b', '(/a|/b)', '/[ab]+', '(.*)', '/aa', '(/.*)?', '$'), {
    minLength: 1,
    maxLength: 3,
  })
  .map((pieces) => pieces.join(''));
const regexTableSpec = fc
  .record({
    rules: fc.uniqueArray(
      fc.record({ host: ruleHost, path: pattern, backend: fc.constantFrom('b1', 'b2') }),
      { maxLength: 8, selector: (r) => `${r.host} ${r.path}` },
    ),
    defaultBackend: fc.option(fc.constant('dflt'), { nil: undefined }),
  })
  .map(({ rules, defaultBackend }): TableSpec => {
    const hosts: Record<string, Rule[]> = {};
    for (const r of rules) (hosts[r.host] ??= []).push(['Regex', r.path, r.backend]);
    return defaultBackend === undefined ? { hosts } : { hosts, defaultBackend };
  });

void describe('compileRouteTable against ReferenceMatcher on regex hosts (property)', () => {
  void test('gives the same route and captures for random regex tables and requests', () => {
    fc.assert(
      fc.property(
        regexTableSpec,
        fc.array(request, { minLength: 1, maxLength: 20 }),
        matchesLikeTheReference,
      ),
      { numRuns: 1000 },
    );
  });
});
