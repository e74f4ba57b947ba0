// Hostile request targets: whatever the one target parser accepts, the route the proxy chooses
// for it equals the route that an origin server would choose for the path it is forwarded,
// however that server resolves paths; and `explain` says the same as the proxy. The end-to-end
// form of these cases, through a real proxy and backend, is proxy-path-rules.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compileRouteTable } from '../../src/dataplane/index.ts';
import {
  explainRequest,
  isTargetRefusal,
  parametersChangeRoute,
  parseRequestTarget,
  ReferenceMatcher,
} from '../../src/ir/index.ts';
import { buildTestTable } from '../helpers/route-table.ts';

const HOST = 'static.example.com';
const table = buildTestTable({
  routes: [
    { host: HOST, path: '/public', backend: 'public' },
    { host: HOST, path: '/public/exact', match: 'Exact', backend: 'exact' },
    { host: HOST, path: '/api/v1', backend: 'api' },
  ],
  backends: {
    public: [{ address: '127.0.0.1', port: 1 }],
    exact: [{ address: '127.0.0.1', port: 2 }],
    api: [{ address: '127.0.0.1', port: 3 }],
  },
});
const compiled = compileRouteTable(table);
const reference = new ReferenceMatcher(table);

// Pieces of hostile targets: separators in every spelling, dot segments in every spelling
// (overlong UTF-8 included), mixed-case escapes, fragments, servlet parameters, bad escapes.
const PIECES = [
  'public admin secret.txt api v1 exact PUBLIC %70ublic %50ublic ~ %7e',
  '. .. %2e %2E%2e .%2E %2f %2F %5c %5C \\ ..\\admin # #/../public %23 %61dmin',
  '%C0%AE %c0%ae%c0%ae %e0%80%ae %00 ..; .;x x;y public;jsessionid=1 % %zz %2 %25 %252F',
  '%252e%252e ? ?q=/../admin \u00e9 %C3%A9 %c3%a9 %ED%A0%80 %F0%9F%98%80',
]
  .join(' ')
  .split(' ')
  .concat(['']);

/** An origin server's reading of a forwarded path (the query and anything after it cut). */
type Resolver = (forwarded: string) => string;

/** RFC 3986: dot segments removed on the path as sent, then each segment decoded. */
const strict: Resolver = (forwarded) =>
  removeDotSegments(pathPart(forwarded))
    .split('/')
    .map((segment) => decodeURIComponent(segment))
    .join('/');

/**
 * What common frameworks and file servers do, all at once: drop a fragment, read `\` as `/`,
 * decode every escape (`%2F` included) once, merge slashes, then resolve dot segments.
 */
const lax: Resolver = (forwarded) => {
  const decoded = decodeURIComponent(pathPart(forwarded.split('#')[0] ?? '').replaceAll('\\', '/'));
  return removeDotSegments(decoded.replace(/\/{2,}/g, '/'));
};

/**
 * Servlet containers: `;parameters` stripped from each segment, then dot segments resolved.
 * The proxy refuses a path whose parameters change its route, so this reading agrees too.
 */
const servlet: Resolver = (forwarded) =>
  removeDotSegments(
    pathPart(forwarded)
      .split('/')
      .map((segment) => segment.split(';')[0] ?? '')
      .join('/'),
  );

function pathPart(target: string): string {
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

// RFC 3986 section 5.2.4, written from the RFC's steps and independent of the code under test.
function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/').slice(1);
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '..') out.pop();
    if (segment === '.' || segment === '..') {
      if (last) out.push('');
      return;
    }
    out.push(segment);
  });
  return `/${out.join('/')}`;
}

const target = fc
  .array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 7 })
  .chain((pieces) =>
    fc
      .array(fc.constantFrom('/', '//', '/./', '\\'), {
        minLength: pieces.length,
        maxLength: pieces.length,
      })
      .map((separators) => pieces.map((piece, i) => `${separators[i] ?? '/'}${piece}`).join('')),
  )
  .map((raw) => (raw.startsWith('/') ? raw : `/${raw}`));

test('an accepted target is routed as every kind of origin server reads its forwarded path', () => {
  let accepted = 0;
  let refused = 0;
  fc.assert(
    fc.property(target, (raw) => {
      const parsed = parseRequestTarget(raw, HOST);
      const explained = explainRequest(table, HOST, raw);
      if (isTargetRefusal(parsed)) {
        refused++;
        assert.equal(explained.status, 400, raw);
        assert.equal(explained.request.forwardPath, null);
        return;
      }
      accepted++;
      const match = compiled.match(parsed.host, parsed.path);
      if (parametersChangeRoute(compiled, parsed.host, parsed.path, match)) {
        refused++;
        assert.equal(explained.status, 400, raw);
        return;
      }
      const chosen = match.backend;
      assert.equal(parsed.forwardPath.split('?')[0], parsed.path, raw);
      for (const resolve of [strict, lax, servlet]) {
        const seen = resolve(parsed.forwardPath);
        assert.equal(reference.match(HOST, seen).backend, chosen, `${raw} -> ${seen}`);
      }
      assert.equal(explained.request.forwardPath, parsed.forwardPath, raw);
      assert.equal(explained.status === 404, chosen === null, raw);
      assert.equal(explained.path, match.route?.path ?? null, raw);
    }),
    { numRuns: 20_000 },
  );
  // Both outcomes must be exercised, or the property says little.
  assert.ok(accepted > 1_000 && refused > 1_000, `accepted ${accepted}, refused ${refused}`);
});

test('every finding of the security review is refused or forwarded as matched', () => {
  const findings: [string, string | null][] = [
    ['/admin/secret.txt#/../../public/x', null],
    ['/public/..%2fadmin/secret.txt', null],
    ['/public/..\\admin/secret.txt', null],
    ['/public/..;/admin/secret.txt', null],
    ['/public/../admin/secret.txt', '/admin/secret.txt'],
    ['/public;x/../admin/secret.txt', '/admin/secret.txt'],
    ['//public/%2E%2E/public/x?y=1', '/public/x?y=1'],
  ];
  for (const [raw, forwarded] of findings) {
    const parsed = parseRequestTarget(raw, HOST);
    assert.equal(isTargetRefusal(parsed) ? null : parsed.forwardPath, forwarded, raw);
  }
});
