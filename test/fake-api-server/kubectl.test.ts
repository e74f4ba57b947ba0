import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startFakeApiServer, type FakeApiServer } from './index.ts';

/** Versioned kubectl binaries (`/usr/bin/kubectl` is a dispatcher that asks the server first). */
const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const MINORS = [27, 28, 30, 33];
const binary = (minor: number): string => join(KUBECTL_DIR, `kubectl.1.${minor}`);
const present = MINORS.filter((minor) => existsSync(binary(minor)));

const MANIFESTS = (targetPort: number, host: string): string => `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: pointsman
spec:
  controller: example.com/pointsman
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
spec:
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - name: https
    port: 443
    targetPort: ${targetPort}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: default
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
ports:
- name: http
  port: 8080
endpoints:
- addresses: ["10.0.0.1"]
  conditions:
    ready: true
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: default
spec:
  ingressClassName: pointsman
  rules:
  - host: ${host}
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one kubectl command against the fake, with a fresh cache dir and HOME, bounded to 30 s. */
function kubectl(
  minor: number,
  kubeconfig: string,
  dir: string,
  args: readonly string[],
): Promise<Run> {
  const flags = [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, 'cache')}`];
  const env = { ...process.env, HOME: dir, KUBECONFIG: kubeconfig };
  return new Promise((resolve) => {
    execFile(
      binary(minor),
      [...args, ...flags],
      { timeout: 30_000, env },
      (error, stdout, stderr) => {
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
          stdout,
          stderr,
        });
      },
    );
  });
}

async function ok(run: Promise<Run>): Promise<string> {
  const result = await run;
  assert.equal(result.code, 0, `kubectl failed: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /warning|error/i);
  return result.stdout;
}

function specOf(server: FakeApiServer, kind: string, name: string): Record<string, unknown> {
  const object = server.get(kind, { namespace: 'default', name });
  assert.ok(object, `${kind} ${name} is stored`);
  return object['spec'] as Record<string, unknown>;
}

async function session(
  minor: number,
  https: boolean,
): Promise<{
  server: FakeApiServer;
  dir: string;
  run: (...args: string[]) => Promise<Run>;
  file: (text: string) => Promise<string>;
}> {
  const server = await startFakeApiServer({ minorVersion: minor, https });
  const dir = await mkdtemp(join(tmpdir(), `fake-api-kubectl-${minor}-`));
  const kubeconfig = await server.writeKubeconfig(dir);
  let files = 0;
  return {
    server,
    dir,
    run: (...args) => kubectl(minor, kubeconfig, dir, args),
    file: async (text) => {
      const path = join(dir, `manifests-${files++}.yaml`);
      await writeFile(path, text);
      return path;
    },
  };
}

test('at least one versioned kubectl binary is present', () => {
  assert.ok(present.length > 0, `none of ${MINORS.map(binary).join(', ')} exists`);
});

for (const minor of MINORS) {
  test(
    `kubectl 1.${minor}: apply, get, re-apply, server-side apply, patch, delete`,
    { skip: !present.includes(minor) && `no ${binary(minor)}`, timeout: 60_000 },
    async () => {
      const { server, dir, run, file } = await session(minor, false);
      try {
        const original = await file(MANIFESTS(8443, 'shop.example.com'));
        assert.match(
          await ok(run('apply', '-f', original)),
          /ingress\.networking\.k8s\.io\/shop created/,
        );
        const fetched = JSON.parse(await ok(run('get', 'ingress', 'shop', '-o', 'json'))) as {
          spec: { rules: { host: string }[] };
        };
        assert.equal(fetched.spec.rules[0]?.host, 'shop.example.com');
        assert.ok(server.get('EndpointSlice', { namespace: 'default', name: 'web-abc' }));
        assert.ok(server.get('IngressClass', { name: 'pointsman' }));

        server.clearRequests();
        assert.match(
          await ok(run('apply', '-f', await file(MANIFESTS(9443, 'shop2.example.com')))),
          /service\/web configured/,
        );
        assert.deepEqual(specOf(server, 'Service', 'web')['ports'], [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'https', port: 443, targetPort: 9443 },
        ]);
        assert.equal(
          (specOf(server, 'Ingress', 'shop')['rules'] as { host: string }[])[0]?.host,
          'shop2.example.com',
        );
        assert.equal(
          server.get('Ingress', { namespace: 'default', name: 'shop' })?.metadata.generation,
          2,
        );
        const patches = server.requests.filter((request) => request.method === 'PATCH');
        assert.ok(
          patches.every(
            (request) => request.contentType === 'application/strategic-merge-patch+json',
          ),
        );
        assert.ok(
          patches.every((request) => request.query['fieldValidation'] === 'Strict'),
          'kubectl leaves validation to the server',
        );

        server.clearRequests();
        assert.match(await ok(run('apply', '--server-side', '-f', original)), /serverside-applied/);
        assert.ok(
          server.requests.some((request) => request.contentType === 'application/apply-patch+yaml'),
        );
        assert.equal(
          (specOf(server, 'Ingress', 'shop')['rules'] as { host: string }[])[0]?.host,
          'shop.example.com',
        );

        await ok(
          run(
            'patch',
            'ingress',
            'shop',
            '--type',
            'merge',
            '-p',
            '{"metadata":{"labels":{"a":"b"}}}',
          ),
        );
        await ok(
          run(
            'patch',
            'ingress',
            'shop',
            '--type',
            'json',
            '-p',
            '[{"op":"add","path":"/metadata/labels/c","value":"d"}]',
          ),
        );
        assert.deepEqual(
          server.get('Ingress', { namespace: 'default', name: 'shop' })?.metadata.labels,
          { a: 'b', c: 'd' },
        );

        assert.match(
          await ok(run('delete', '-f', original)),
          /ingress\.networking\.k8s\.io "shop" deleted/,
        );
        assert.equal(server.list('Ingress').length, 0);
        assert.equal(server.list('Service').length, 0);
        const missing = await run('get', 'ingress', 'shop');
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /NotFound/);
      } finally {
        await server.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
}

const newest = present.at(-1);
test(
  'kubectl over HTTPS trusts the CA in the kubeconfig',
  { skip: newest === undefined && 'no kubectl', timeout: 60_000 },
  async () => {
    const { server, dir, run } = await session(newest ?? 33, true);
    try {
      assert.match(await ok(run('get', 'namespaces', '-o', 'name')), /namespace\/default/);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
);
