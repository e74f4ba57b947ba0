// `pointsman migrate` on a corpus of Ingresses written the way ingress-nginx's own docs and
// examples write them (test/fixtures/ingress-nginx-corpus): every Ingress's verdict against the
// table below, then `pointsman serve` on the same objects, to check that the verdicts are what
// the proxy does: served ones answer from their backend, failing-closed ones 503, and a
// canary takes its share of the main Ingress's route.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { INGRESS_NGINX_ANNOTATIONS } from '../../src/translate/index.ts';
import { parseEcho, startEchoUpstream, type EchoUpstream } from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import { runCli } from '../helpers/run-cli.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const CORPUS = fileURLToPath(new URL('../fixtures/ingress-nginx-corpus', import.meta.url));
const PREFIX = 'nginx.ingress.kubernetes.io/';

type Verdict = 'served-identically' | 'served-with-differences' | 'not-served';
type Expected = readonly [Verdict, ...string[]];

/**
 * Stands for the verdict the annotation catalogue gives today: annotations are being
 * implemented one after another, and an Ingress whose only problems are its annotations'
 * support moves from "with differences" (or "not served") to "identically" as they land.
 */
const BY_CATALOGUE = 'by-catalogue';

/**
 * Served, identically or with differences: snippets are read directive by directive, and
 * which directives are applied grows as they are implemented.
 */
const SERVED = 'served';

/**
 * The verdict on each Ingress of the nginx class and the codes of its differences, or
 * {@link BY_CATALOGUE} where only the support of its annotations decides.
 */
const EXPECTED: Readonly<Record<string, Expected | typeof BY_CATALOGUE | typeof SERVED>> = {
  'default/hello': ['served-identically'],
  'default/fanout': ['served-identically'],
  'default/wildcard': ['served-identically'],
  'default/health-exact': ['served-identically'],
  'default/legacy-class': ['served-identically'],
  'default/streaming': BY_CATALOGUE,
  'default/rewrite': BY_CATALOGUE,
  'default/api-strip-prefix': BY_CATALOGUE,
  'default/versioned-api': BY_CATALOGUE,
  'default/approot': BY_CATALOGUE,
  'default/not-admin': ['served-with-differences', 'InvalidRegexPath'],
  'default/typo': ['served-with-differences', 'UnknownAnnotation'],
  'default/tls-site': ['served-identically'],
  'default/tls-no-redirect': BY_CATALOGUE,
  'default/force-https': BY_CATALOGUE,
  'default/missing-cert': ['served-with-differences', 'SecretNotFound'],
  'grpc/greeter': BY_CATALOGUE,
  'default/secure-backend': BY_CATALOGUE,
  'default/php-fcgi': ['served-with-differences', 'IgnoredAnnotation'],
  'default/uploads': BY_CATALOGUE,
  'default/slow-reports': BY_CATALOGUE,
  'default/vhost': BY_CATALOGUE,
  'default/sticky': BY_CATALOGUE,
  'default/cors': BY_CATALOGUE,
  // The corpus has no ConfigMap default/custom-headers: ingress-nginx denies the location (503),
  // pointsman serves it without the headers and says so.
  'default/custom-headers': ['served-with-differences', 'IgnoredAnnotation'],
  'default/basic-auth': BY_CATALOGUE,
  'default/dashboard-oauth2': BY_CATALOGUE,
  'kube-system/oauth2-proxy': ['served-identically'],
  'default/client-certs': BY_CATALOGUE,
  'default/office-only': BY_CATALOGUE,
  'default/rate-limited': BY_CATALOGUE,
  'default/production': ['served-identically'],
  'default/canary': BY_CATALOGUE,
  // The older canary (default/canary, first in its file) holds the route: one canary per route.
  'default/canary-by-header': ['served-with-differences', 'CanaryConflict'],
  'default/snippet-headers': SERVED,
  'default/snippet-deny': ['not-served', 'AccessControlNotEnforced'],
  'default/moved': BY_CATALOGUE,
  'default/maintenance': BY_CATALOGUE,
  'default/www-twin': BY_CATALOGUE,
  'default/bad-redirect-code': ['served-with-differences', 'IgnoredAnnotation'],
  'default/team-a-docs': ['served-identically'],
  'default/team-b-docs': ['served-with-differences', 'Conflict'],
  'default/hand-written': ['not-served', 'InvalidPath'],
};

/** Why the Ingresses whose verdict does not hang on the catalogue are not served. */
const WHY_NOT_SERVED: Readonly<Record<string, string>> = {
  'default/snippet-deny': 'fails-closed',
  'default/hand-written': 'rejected',
};

/**
 * How to reach each Ingress through `serve`, and the Service that answers when it is served:
 * `[host, path, namespace/service, path the backend gets]`.
 */
const PROBES: Readonly<Record<string, readonly [string, string, string, string]>> = {
  'default/hello': ['hello.example.com', '/', 'default/http-svc', '/'],
  'default/fanout': ['foo.bar.com', '/api/v1', 'default/api', '/api/v1'],
  'default/legacy-class': ['legacy.example.com', '/x', 'default/legacy-app', '/x'],
  'default/rewrite': ['rewrite.bar.com', '/something/new', 'default/http-svc', '/new'],
  'default/versioned-api': ['versions.example.com', '/v2/users', 'default/api', '/v2/users'],
  'kube-system/oauth2-proxy': [
    'dash.example.com',
    '/oauth2/start',
    'kube-system/oauth2-proxy',
    '/oauth2/start',
  ],
  // default/production is probed with its canary (canary-weight 50), which takes half of it.
  'default/streaming': ['stream.example.com', '/s', 'default/web', '/s'],
  'default/uploads': ['upload.example.com', '/u', 'default/uploads', '/u'],
  'default/slow-reports': ['reports.example.com', '/r', 'default/api', '/r'],
  'default/sticky': ['stickyingress.example.com', '/', 'default/web', '/'],
  'default/cors': ['cors.example.com', '/c', 'default/api', '/c'],
  'default/custom-headers': ['headers.example.com', '/h', 'default/http-svc', '/h'],
  'default/snippet-headers': ['custom.configuration.com', '/', 'default/http-svc', '/'],
  'default/typo': ['typo.example.com', '/app', 'default/web', '/app'],
  'default/basic-auth': ['auth.example.com', '/', 'default/dashboard', '/'],
  // default/dashboard-oauth2 is probed on its own: its auth service cannot be reached here.
  // default/client-certs is probed on its own: plain HTTP carries no client certificate.
  // default/office-only is probed on its own: 127.0.0.1 is outside its allowlist.
  'default/rate-limited': ['public-api.example.com', '/', 'default/api', '/'],
  'default/snippet-deny': ['internal.example.com', '/', 'default/admin', '/'],
};

// What a probe sends besides Host: the basic-auth corpus Secret (61-basic-auth-secret.yaml) has
// the user foo with the password bar, as ingress-nginx's example.
const PROBE_HEADERS: Readonly<Record<string, Record<string, string>>> = {
  'default/basic-auth': { authorization: `Basic ${Buffer.from('foo:bar').toString('base64')}` },
};

interface JsonReport {
  ingressClass: string;
  controllerName: string;
  ingresses: {
    namespace: string;
    name: string;
    verdict: Verdict;
    notServedBecause: string | null;
    differences: { code: string; field: string | null; message: string }[];
  }[];
  summary: {
    total: number;
    servedIdentically: number;
    servedWithDifferences: number;
    notServed: number;
    otherClasses: number;
    shares: { servedIdentically: number; servedWithDifferences: number; notServed: number };
  };
}

async function migrateJson(dir: string): Promise<JsonReport> {
  const run = await runCli(['migrate', '--manifests', dir, '--output', 'json']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  return JSON.parse(run.stdout) as JsonReport;
}

/** The corpus's Ingresses' annotations, by `namespace/name`. */
async function corpusAnnotations(): Promise<Map<string, Record<string, string>>> {
  const annotations = new Map<string, Record<string, string>>();
  for (const file of await readdir(CORPUS)) {
    for (const document of parseAllDocuments(await readFile(join(CORPUS, file), 'utf8'))) {
      const object = document.toJS() as {
        kind: string;
        metadata: { name: string; namespace: string; annotations?: Record<string, string> };
      };
      if (object.kind !== 'Ingress') continue;
      const { namespace, name } = object.metadata;
      annotations.set(`${namespace}/${name}`, object.metadata.annotations ?? {});
    }
  }
  return annotations;
}

/**
 * What the catalogue says of an Ingress whose annotations are all well-formed: one fail-closed
 * annotation keeps it from being served, an unsupported one is a difference; the codes in the
 * order of the annotations.
 */
function byCatalogue(annotations: Readonly<Record<string, string>>): {
  expected: Expected;
  why: string | null;
} {
  const codes: string[] = [];
  let failClosed = false;
  for (const key of Object.keys(annotations)) {
    if (!key.startsWith(PREFIX)) continue;
    const name = key.slice(PREFIX.length);
    const support = INGRESS_NGINX_ANNOTATIONS.get(
      name === 'whitelist-source-range' ? 'allowlist-source-range' : name,
    )?.support;
    assert.ok(support !== undefined, `${key} is in the catalogue`);
    if (support === 'fail-closed') {
      failClosed = true;
      codes.push('AccessControlNotEnforced');
    } else if (support === 'unsupported') {
      codes.push('UnsupportedAnnotation');
    }
  }
  const unique = [...new Set(codes)];
  if (failClosed) return { expected: ['not-served', ...unique], why: 'fails-closed' };
  if (unique.length > 0) return { expected: ['served-with-differences', ...unique], why: null };
  return { expected: ['served-identically'], why: null };
}

describe('pointsman migrate on the ingress-nginx corpus', () => {
  let report: JsonReport;
  const expected = new Map<string, Expected>();
  const whyNotServed = new Map<string, string | null>();

  before(async () => {
    report = await migrateJson(CORPUS);
    const annotations = await corpusAnnotations();
    for (const [key, entry] of Object.entries(EXPECTED)) {
      if (entry === SERVED) {
        // Whichever way it is served, its differences must be those the report names.
        const got = report.ingresses.find((i) => `${i.namespace}/${i.name}` === key);
        assert.ok(got !== undefined && got.verdict !== 'not-served', `${key} is served`);
        expected.set(key, [got.verdict, ...new Set(got.differences.map((d) => d.code))]);
        whyNotServed.set(key, null);
      } else if (entry === BY_CATALOGUE) {
        const { expected: verdict, why } = byCatalogue(annotations.get(key) ?? {});
        expected.set(key, verdict);
        whyNotServed.set(key, why);
      } else {
        expected.set(key, entry);
        whyNotServed.set(key, WHY_NOT_SERVED[key] ?? null);
      }
    }
  });

  test('every Ingress of the nginx class gets the expected verdict', () => {
    assert.equal(report.ingressClass, 'nginx');
    assert.equal(report.controllerName, 'k8s.io/ingress-nginx');
    const got = Object.fromEntries(
      report.ingresses.map((entry) => [
        `${entry.namespace}/${entry.name}`,
        [entry.verdict, ...new Set(entry.differences.map((d) => d.code))],
      ]),
    );
    assert.deepEqual(got, Object.fromEntries(expected));
    for (const entry of report.ingresses) {
      const key = `${entry.namespace}/${entry.name}`;
      assert.equal(entry.notServedBecause, whyNotServed.get(key), key);
      for (const difference of entry.differences) assert.notEqual(difference.message, '', key);
    }
  });

  test('a difference names its annotation or field', () => {
    const typo = report.ingresses.find((entry) => entry.name === 'typo');
    assert.deepEqual(
      typo?.differences.map((d) => d.field),
      [`metadata.annotations[${PREFIX}rewrite_target]`],
    );
    const regex = report.ingresses.find((entry) => entry.name === 'not-admin');
    assert.equal(regex?.differences[0]?.field, 'spec.rules[0].http.paths[0].path');
  });

  test('the summary counts the verdicts and leaves out other classes', () => {
    const verdicts = [...expected.values()].map(([verdict]) => verdict);
    const count = (verdict: Verdict): number => verdicts.filter((v) => v === verdict).length;
    const share = (verdict: Verdict): number =>
      Math.round((count(verdict) / verdicts.length) * 1000) / 10;
    assert.ok(verdicts.length >= 25);
    assert.deepEqual(report.summary, {
      total: verdicts.length,
      servedIdentically: count('served-identically'),
      servedWithDifferences: count('served-with-differences'),
      notServed: count('not-served'),
      otherClasses: 2,
      shares: {
        servedIdentically: share('served-identically'),
        servedWithDifferences: share('served-with-differences'),
        notServed: share('not-served'),
      },
    });
  });

  test('the text report: one line per Ingress, its differences, the summary', async () => {
    const run = await runCli(['migrate', '-f', CORPUS]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^default\/hello: served identically$/m);
    assert.match(
      run.stdout,
      /^default\/snippet-deny: not served: fails closed, .*\(nginx\.ingress\.kubernetes\.io\/configuration-snippet\)$/m,
    );
    assert.match(run.stdout, /^default\/hand-written: not served: rejected \(InvalidPath\)$/m);
    assert.match(
      run.stdout,
      /^ {2}- UnknownAnnotation: nginx\.ingress\.kubernetes\.io\/rewrite_target is not a known annotation; did you mean rewrite-target\?$/m,
    );
    assert.match(
      run.stdout,
      /^ {2}- InvalidRegexPath at spec\.rules\[0\]\.http\.paths\[0\]\.path: /m,
    );
    assert.match(
      run.stdout,
      /^Summary: 43 Ingresses: \d+ served identically \([\d.]+%\), \d+ served with differences .* 2 Ingresses of other classes left out\.$/m,
    );
  });

  test('--watch-ingress-without-class also judges the class-less Ingress', async () => {
    const run = await runCli([
      'migrate',
      '-f',
      CORPUS,
      '-o',
      'json',
      '--watch-ingress-without-class',
    ]);
    const wide = JSON.parse(run.stdout) as JsonReport;
    const noClass = wide.ingresses.find((entry) => entry.name === 'no-class');
    assert.equal(noClass?.verdict, 'served-identically');
    assert.equal(wide.summary.otherClasses, 1);
  });
});

describe('pointsman serve agrees with the verdicts', () => {
  const upstreams = new Map<string, EchoUpstream>();
  let dir: string;
  let serve: ServeProcess;
  let report: JsonReport;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pointsman-corpus-'));
    await copyWithUpstreams(dir, upstreams);
    report = await migrateJson(dir);
    serve = await startServeProcess('serve', [
      '--manifests',
      dir,
      '--ingress-class',
      'nginx',
      '--controller-name',
      'k8s.io/ingress-nginx',
    ]);
  });

  after(async () => {
    await serve.stop();
    await Promise.all([...upstreams.values()].map((upstream) => upstream.close()));
    await rm(dir, { recursive: true, force: true });
  });

  const get = (host: string, path = '/', headers: Record<string, string> = {}) =>
    send(serve.httpPort, { path, headers: { host, ...headers } });
  const requestsOf = (service: string): number => upstreams.get(service)?.requests ?? -1;
  const probed = (verdict: Verdict, because: string | null = null) =>
    report.ingresses
      .filter((entry) => entry.verdict === verdict && entry.notServedBecause === because)
      .map((entry) => `${entry.namespace}/${entry.name}`)
      .filter((key) => PROBES[key] !== undefined);

  test('served identically: answered by its own backend', async () => {
    const keys = probed('served-identically');
    assert.ok(keys.length >= 5, keys.join(', '));
    for (const key of keys) {
      const [host, path, service, url] = PROBES[key] ?? ['', '', '', ''];
      const reply = await get(host, path, PROBE_HEADERS[key]);
      assert.equal(reply.status, 200, `${key}: ${reply.body}`);
      assert.deepEqual(
        [parseEcho(reply.body).name, parseEcho(reply.body).url],
        [service, url],
        key,
      );
    }
    // Served as ingress-nginx serves it: the test client (127.0.0.1) is not in 10.0.0.0/8 or
    // 192.168.0.0/16, so it is refused.
    const office = await get('intranet.example.com', '/');
    assert.equal(office.status, 403);
    assert.equal(office.headers['x-pointsman-error'], 'PM_ERR_SOURCE_FORBIDDEN');
  });

  test('served with differences: still answered by its backend', async () => {
    const keys = probed('served-with-differences');
    assert.ok(keys.length >= 2, keys.join(', '));
    for (const key of keys) {
      const [host, path, service] = PROBES[key] ?? ['', '', ''];
      const reply = await get(host, path);
      assert.equal(reply.status, 200, `${key}: ${reply.body}`);
      assert.equal(parseEcho(reply.body).name, service, key);
    }
    const conflict = await get('docs.example.com', '/guide');
    assert.equal(parseEcho(conflict.body).name, 'default/web', 'the older Ingress keeps /guide');
  });

  test('fails closed: 503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED, the backend never reached', async () => {
    const keys = probed('not-served', 'fails-closed');
    assert.ok(keys.includes('default/snippet-deny'), keys.join(', '));
    for (const key of keys) {
      const [host, path, service] = PROBES[key] ?? ['', '', ''];
      const before = requestsOf(service);
      const reply = await get(host, path);
      assert.equal(reply.status, 503, key);
      assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_ACCESS_CONTROL_NOT_ENFORCED', key);
      assert.equal(requestsOf(service), before, `${key}: the backend was reached`);
    }
  });

  test('auth-tls-verify-client on, over plain HTTP: no certificate, so a coded 400', async () => {
    const before = requestsOf('default/admin');
    const reply = await get('mtls.example.com', '/');
    assert.equal(reply.status, 400);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_CLIENT_CERTIFICATE_REQUIRED');
    assert.equal(requestsOf('default/admin'), before);
  });

  test('auth-url https://$host/oauth2/auth: no auth service here, so a coded 500', async () => {
    // dash.example.com does not resolve in the test: the auth request fails, and the request
    // is refused rather than proxied (ingress-nginx answers 500 too).
    const before = requestsOf('default/dashboard');
    const reply = await get('dash.example.com', '/');
    assert.equal(reply.status, 500);
    assert.equal(reply.headers['x-pointsman-error'], 'PM_ERR_AUTH_UNAVAILABLE');
    assert.equal(requestsOf('default/dashboard'), before);
  });

  test('a canary takes its share of the main route (canary-weight 50)', async () => {
    const canaryVerdict = report.ingresses.find((entry) => entry.name === 'canary');
    assert.equal(canaryVerdict?.verdict, 'served-identically');
    // Not in PROBES: its answers are split between two backends.
    const [host, path, service] = ['echo.prod.mydomain.com', '/', 'default/canary'];
    const before = requestsOf(service);
    // Binomial(200, 0.5): mean 100, sigma 7.1; 65..135 is five sigma, so this never flakes. The
    // newer canary's header rule has no effect (one canary per route), as in ingress-nginx.
    let canary = 0;
    let main = 0;
    for (let i = 0; i < 200; i++) {
      const reply = await get(host, path, { 'x-canary': 'never' });
      const name = parseEcho(reply.body).name;
      if (name === service) canary++;
      else if (name === 'default/production') main++;
    }
    assert.ok(canary >= 65 && canary <= 135, `the canary took ${String(canary)} of 200`);
    assert.equal(main, 200 - canary, 'the rest reach the main Ingress default/production');
    assert.equal(requestsOf(service) - before, canary);
  });
});

/**
 * Copies the corpus to `dir` with each EndpointSlice's port pointing at an echo upstream of its
 * own Service (named `namespace/service`), started here.
 */
async function copyWithUpstreams(dir: string, upstreams: Map<string, EchoUpstream>): Promise<void> {
  for (const file of await readdir(CORPUS)) {
    const documents = parseAllDocuments(await readFile(join(CORPUS, file), 'utf8'));
    const objects: unknown[] = [];
    for (const document of documents) {
      const object = document.toJS() as {
        kind: string;
        metadata: { namespace: string; labels: Record<string, string> };
        ports: { port: number }[];
      };
      if (object.kind === 'EndpointSlice') {
        const service = `${object.metadata.namespace}/${object.metadata.labels['kubernetes.io/service-name'] ?? ''}`;
        const upstream = await startEchoUpstream(service);
        upstreams.set(service, upstream);
        for (const port of object.ports) port.port = upstream.port;
      }
      objects.push(object);
    }
    await writeFile(join(dir, file), objects.map((object) => stringify(object)).join('---\n'));
  }
}

describe('pointsman migrate: usage errors', () => {
  const cases: [args: string[], message: RegExp][] = [
    [[], /--manifests PATH, --kubeconfig PATH or --in-cluster is required/],
    [['-f', CORPUS, '--kubeconfig', 'k'], /--manifests cannot be combined with --kubeconfig/],
    [['--kubeconfig', 'k', '--in-cluster'], /cannot be combined/],
    [['-f', CORPUS, '--watch-namespace', 'a'], /--watch-namespace needs --kubeconfig/],
    [['-f', CORPUS, '--output', 'yaml'], /--output must be text or json/],
  ];
  for (const [args, message] of cases) {
    test(`migrate ${args.join(' ')}: exit 2`, async () => {
      const run = await runCli(['migrate', ...args]);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, message);
    });
  }

  test('a manifest that does not load: the report of the rest, the error, exit 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pointsman-migrate-'));
    try {
      await writeFile(join(dir, 'broken.yaml'), 'kind: [unclosed\n');
      const run = await runCli(['migrate', '-f', CORPUS, '-f', dir]);
      assert.equal(run.code, 1);
      assert.match(run.stdout, /^Summary: 43 Ingresses/m);
      assert.match(run.stderr, /^error: .*broken\.yaml/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
