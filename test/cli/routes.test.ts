// The one-shot commands from the outside: `pointsman routes` in text and JSON, what a broken
// Ingress does to the exit code and the output, `--help` and usage errors, and `explain` for a
// request answered 503 (no ready endpoint) or 404 (nothing matches). Exit codes are exact.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { runCli } from '../helpers/run-cli.ts';

/** An Ingress on `host` that the API server would refuse: a Prefix path must be absolute. */
function brokenIngress(name: string, host: string): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default' },
    spec: {
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: 'not-absolute',
                pathType: 'Prefix',
                backend: { service: { name: 'web', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** A Service `name` whose only endpoint is not ready. */
function serviceWithoutReadyEndpoints(name: string): object[] {
  const [service, slice] = serviceWithEndpoints(name, [8080]) as [object, { endpoints: unknown[] }];
  return [
    service,
    {
      ...slice,
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: false } }],
    },
  ];
}

interface RoutesJson {
  readonly table: {
    readonly hosts: readonly {
      readonly host: string;
      readonly paths: readonly { readonly path: string; readonly backend: string }[];
    }[];
  };
  readonly results: readonly {
    readonly kind: string;
    readonly name: string;
    readonly state: string;
    readonly problems: readonly { readonly code: string }[];
  }[];
}

describe('pointsman routes', () => {
  let good: string;
  let mixed: string;
  let brokenFile: string;

  before(async () => {
    good = await manifestDir();
    await writeManifests(join(good, 'app.yaml'), [
      INGRESS_CLASS,
      ingress('shop', 'shop.example.com', { '/cart': 'web' }),
      ...serviceWithEndpoints('web', [8080]),
    ]);
    mixed = await manifestDir();
    await writeManifests(join(mixed, 'good.yaml'), [
      INGRESS_CLASS,
      ingress('shop', 'shop.example.com', { '/cart': 'web' }),
      ...serviceWithEndpoints('web', [8080]),
    ]);
    brokenFile = join(mixed, 'broken.yaml');
    await writeManifests(brokenFile, [brokenIngress('typo', 'typo.example.com')]);
  });

  test('text: one row per route, exit 0, nothing on stderr', async () => {
    const run = await runCli(['routes', '--manifests', good]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /^Route table [0-9a-f]+\n/);
    assert.match(run.stdout, /HOST +PATH +TYPE +INGRESS +BACKEND +READY\n/);
    assert.match(run.stdout, /shop\.example\.com +\/cart +Prefix +default\/shop +web:80 +1\n/);
    assert.match(run.stdout, /Default backend: none/);
    assert.doesNotMatch(run.stdout, /Objects with problems/);
  });

  test('json: the table and a result per object, exit 0', async () => {
    const run = await runCli(['routes', '--manifests', good, '--output', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const json = JSON.parse(run.stdout) as RoutesJson;
    const host = json.table.hosts.find((entry) => entry.host === 'shop.example.com');
    assert.deepEqual(
      host?.paths.map((route) => route.path),
      ['/cart'],
    );
    const shop = json.results.find((r) => r.kind === 'Ingress' && r.name === 'shop');
    assert.equal(shop?.state, 'Accepted');
    assert.deepEqual(shop.problems, []);
  });

  test('one broken Ingress: exit 1, the good route still printed, the broken one named', async () => {
    const run = await runCli(['routes', '--manifests', mixed]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /shop\.example\.com +\/cart +Prefix +default\/shop +web:80 +1\n/);
    assert.doesNotMatch(run.stdout, /typo\.example\.com +\//, 'the broken rule was routed');
    assert.match(run.stdout, /Ingress default\/typo: Rejected\n +InvalidPath at /);
    // stderr says which Ingress, in which file, and why.
    assert.ok(
      run.stderr.includes(`error: Ingress default/typo (${brokenFile}, document 1) rejected:`),
      run.stderr,
    );
    assert.match(run.stderr, /InvalidPath at spec\.rules\[0\]\.http\.paths\[0\]\.path: /);
    assert.doesNotMatch(run.stderr, /default\/shop/, 'the good Ingress was reported');
  });

  test('one broken Ingress, json: exit 1, it is Rejected and the good one Accepted', async () => {
    const run = await runCli(['routes', '--manifests', mixed, '-o', 'json']);
    assert.equal(run.code, 1);
    const json = JSON.parse(run.stdout) as RoutesJson;
    const state = (name: string): string | undefined =>
      json.results.find((r) => r.kind === 'Ingress' && r.name === name)?.state;
    assert.equal(state('shop'), 'Accepted');
    assert.equal(state('typo'), 'Rejected');
    const typo = json.results.find((r) => r.name === 'typo');
    assert.deepEqual(
      typo?.problems.map((p) => p.code),
      ['InvalidPath'],
    );
    assert.deepEqual(
      json.table.hosts.map((entry) => entry.host),
      ['shop.example.com'],
    );
  });
});

describe('usage', () => {
  const helps: readonly (readonly [string[], RegExp])[] = [
    [['--help'], /^Usage: pointsman COMMAND/],
    [['routes', '--help'], /^Usage: pointsman routes /],
    [['explain', '--help'], /^Usage: pointsman explain /],
    [['serve', '--help'], /^Usage: pointsman serve /],
    [['demo', '--help'], /^Usage: pointsman demo/],
    [['migrate', '--help'], /^Usage: pointsman migrate /],
  ];
  for (const [args, usage] of helps) {
    test(`pointsman ${args.join(' ')}: the help on stdout, exit 0`, async () => {
      const run = await runCli(args);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, usage);
      assert.equal(run.stderr, '');
    });
  }

  for (const command of ['routes', 'explain', 'serve', 'demo', 'migrate']) {
    test(`pointsman ${command} --no-such-flag: a usage error, exit 2`, async () => {
      const run = await runCli([command, '--no-such-flag']);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.match(
        run.stderr,
        new RegExp(`^pointsman ${command}: Unknown option '--no-such-flag'`),
      );
      assert.match(run.stderr, new RegExp(`Run 'pointsman ${command} --help' for usage\\.`));
    });
  }

  test('pointsman with no command: the help on stderr, exit 2', async () => {
    const run = await runCli([]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Usage: pointsman COMMAND/);
  });
});

describe('pointsman explain', () => {
  let dir: string;

  before(async () => {
    dir = await manifestDir();
    await writeManifests(join(dir, 'app.yaml'), [
      INGRESS_CLASS,
      ingress('shop', 'shop.example.com', { '/': 'asleep' }),
      ...serviceWithoutReadyEndpoints('asleep'),
    ]);
  });

  const explain = (url: string, format: 'text' | 'json') =>
    runCli(['explain', '--manifests', dir, '--output', format, url]);

  test('a Service with no ready endpoint: 503 with the reason, exit 0', async () => {
    const run = await explain('http://shop.example.com/cart', 'json');
    // NoReadyEndpoints is a problem of an accepted Ingress, not an input error.
    assert.equal(run.code, 0, run.stderr);
    const answer = JSON.parse(run.stdout) as {
      status: number;
      reason: string;
      service: { name: string } | null;
      endpoints: string[];
      ingress: { name: string } | null;
    };
    assert.equal(answer.status, 503);
    assert.equal(answer.service?.name, 'asleep');
    assert.equal(answer.ingress?.name, 'shop');
    assert.deepEqual(answer.endpoints, []);
    assert.ok(answer.reason.length > 0, 'no reason given');
    assert.match(answer.reason, /ready/i);
  });

  test('a Service with no ready endpoint, text: the status and reason on top', async () => {
    const run = await explain('http://shop.example.com/cart', 'text');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^shop\.example\.com\/cart -> 503\n {2}\S.*ready/i);
    assert.match(run.stdout, /Endpoints: \(none ready\)/);
  });

  test('a request that matches nothing: 404, exit 0', async () => {
    const run = await explain('http://elsewhere.example.com/', 'json');
    assert.equal(run.code, 0, run.stderr);
    const answer = JSON.parse(run.stdout) as {
      status: number;
      reason: string;
      service: unknown;
      ingress: unknown;
    };
    assert.equal(answer.status, 404);
    assert.equal(answer.service, null);
    assert.equal(answer.ingress, null);
    assert.ok(answer.reason.length > 0, 'no reason given');
  });
});
