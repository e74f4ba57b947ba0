import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseFlags } from '../../src/cli/flags.ts';
import { SERVE_COMMAND_FLAGS } from '../../src/cli/serve-command.ts';
import { DEFAULT_ELECTION_ID } from '../../src/cli/status-flags.ts';
import { isLoopbackAddress, STATUS_PAGE_DEFAULTS } from '../../src/cli/status-page-flags.ts';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/translate/index.ts';
import { IMAGE_NODE_FLAGS } from '../../src/workers/worker-flags.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');

// A loose view of the manifests: the test reads what it checks and fails on what is missing.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return */
type Loose = any;

const files = readdirSync(DEPLOY).filter((file) => file.endsWith('.yaml'));
const objects: Loose[] = files
  .filter((file) => file !== 'kustomization.yaml')
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8')).map((document) => {
      assert.deepEqual(document.errors, [], file);
      return document.toJS();
    }),
  );

function one(kind: string): Loose {
  const found = objects.filter((object) => object.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0];
}

const deployment = one('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const args: string[] = container.args;

/** The value of `--flag=value` in the container's arguments. */
function flag(name: string): string | undefined {
  return args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function seconds(duration: string): number {
  const match = /^(\d+)(s|m)$/.exec(duration);
  assert.ok(match, `a duration: ${duration}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

function portNumber(name: string): number {
  const port = container.ports.find((entry: Loose) => entry.name === name);
  assert.ok(port, `a container port named ${name}`);
  return port.containerPort;
}

test('the kustomization lists every manifest in deploy/', () => {
  const kustomization = parseAllDocuments(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8'))
    .map((document) => document.toJS())
    .at(0);
  assert.equal(kustomization.kind, 'Kustomization');
  assert.deepEqual(
    [...kustomization.resources].sort(),
    files.filter((file) => file !== 'kustomization.yaml').sort(),
  );
  assert.equal(kustomization.namespace, 'pointsman');
  for (const object of objects) {
    if (object.metadata.namespace !== undefined)
      assert.equal(object.metadata.namespace, 'pointsman');
  }
});

test('the Deployment runs two non-root replicas that cannot write or escalate', () => {
  assert.equal(deployment.spec.replicas, 2);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.ok(pod.securityContext.runAsUser > 0);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.equal(container.securityContext.runAsNonRoot, true);
  assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
  assert.ok(container.resources.requests.cpu);
  assert.ok(container.resources.requests.memory);
  assert.equal(pod.serviceAccountName, one('ServiceAccount').metadata.name);
});

test('the probes ask the admin server, on the port serve is told to use', () => {
  assert.equal(portNumber('admin'), Number(flag('admin-port')));
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  assert.equal(container.livenessProbe.httpGet.port, 'admin');
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container.readinessProbe.httpGet.port, 'admin');
});

test('the grace period covers the preStop pause and the shutdown grace', () => {
  const [command, pause] = container.lifecycle.preStop.exec.command;
  assert.equal(command, 'sleep');
  const shutdownGrace = seconds(flag('shutdown-grace') ?? '30s');
  assert.ok(
    pod.terminationGracePeriodSeconds > Number(pause) + shutdownGrace,
    `${String(pod.terminationGracePeriodSeconds)} s > ${String(pause)} s + ${String(shutdownGrace)} s`,
  );
});

test('serve gets only flags it knows, in cluster mode, publishing its Service', () => {
  assert.equal(args[0], 'serve');
  // serve's own parser: an unknown flag or a missing value throws.
  const known = new Set(Object.keys(SERVE_COMMAND_FLAGS));
  const { values } = parseFlags(args.slice(1), SERVE_COMMAND_FLAGS, false);
  for (const name of Object.keys(values)) assert.ok(known.has(name), `serve knows --${name}`);
  assert.ok(args.includes('--in-cluster'));
  const service = one('Service');
  assert.equal(flag('publish-service'), `$(POD_NAMESPACE)/${String(service.metadata.name)}`);
  const env = Object.fromEntries(
    container.env.map((entry: Loose) => [entry.name, entry.valueFrom.fieldRef.fieldPath]),
  );
  assert.deepEqual(env, { POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace' });
});

test('the Service balances 80 and 443 onto the listeners', () => {
  const service = one('Service');
  assert.equal(service.spec.type, 'LoadBalancer');
  assert.deepEqual(service.spec.selector, deployment.spec.template.metadata.labels);
  const byPort = Object.fromEntries(
    service.spec.ports.map((port: Loose) => [port.port, portNumber(port.targetPort)]),
  );
  assert.deepEqual(byPort, { 80: 8080, 443: 8443 });
  assert.equal(portNumber('http'), Number(flag('http-port')));
  assert.equal(portNumber('https'), Number(flag('https-port')));
});

test('the NetworkPolicy: HTTP and HTTPS from anywhere, the admin port from monitoring only', () => {
  const policy = one('NetworkPolicy');
  assert.deepEqual(policy.spec.podSelector.matchLabels, deployment.spec.template.metadata.labels);
  assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
  const numbered = (port: Loose): number =>
    typeof port.port === 'string' ? portNumber(port.port) : port.port;
  const rules: Loose[] = policy.spec.ingress;
  const fromAnywhere = rules.filter((rule) => rule.from === undefined);
  const fromSome = rules.filter((rule) => rule.from !== undefined);
  assert.deepEqual(fromAnywhere.flatMap((rule) => rule.ports.map(numbered)).sort(), [8080, 8443]);
  assert.deepEqual(
    fromSome.flatMap((rule) => rule.ports.map(numbered)),
    [portNumber('admin')],
    'the admin port, and only it, is limited to some peers',
  );
  for (const rule of fromSome) {
    for (const peer of rule.from) {
      // An empty selector or an ipBlock would let everyone in again.
      assert.deepEqual(Object.keys(peer), ['namespaceSelector']);
      assert.ok(Object.keys(peer.namespaceSelector.matchLabels ?? {}).length > 0);
    }
  }
  // Every port the container declares is in a rule: with a policy, the rest would be closed.
  const covered = new Set(rules.flatMap((rule) => rule.ports.map(numbered)));
  for (const port of container.ports) assert.ok(covered.has(port.containerPort), port.name);
  // The status listener stays on loopback, so no rule and no container port name it.
  assert.ok(!covered.has(STATUS_PAGE_DEFAULTS.port));
  assert.ok(isLoopbackAddress(flag('status-bind') ?? STATUS_PAGE_DEFAULTS.bind));
  assert.equal(flag('status-bind-any'), undefined);
  assert.ok(!args.includes('--status-bind-any'));
});

test('the IngressClass names our controller; the budget keeps one replica', () => {
  const ingressClass = one('IngressClass');
  assert.equal(ingressClass.metadata.name, DEFAULT_TRANSLATE_OPTIONS.ingressClass);
  assert.equal(ingressClass.spec.controller, DEFAULT_TRANSLATE_OPTIONS.controllerName);
  const budget = one('PodDisruptionBudget');
  assert.equal(budget.spec.minAvailable, 1);
  assert.deepEqual(budget.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
});

test('RBAC grants lists and watches, status updates, Events, one Lease and one Service, and nothing else', () => {
  const rules: Loose[] = one('ClusterRole').rules;
  const grants = new Set<string>();
  for (const rule of rules) {
    assert.equal(rule.resourceNames, undefined);
    for (const group of rule.apiGroups) {
      for (const resource of rule.resources) {
        for (const verb of rule.verbs) grants.add(`${verb} ${group}/${resource}`);
      }
    }
  }
  // Lists and watches only; a GET by name only where the code makes one.
  const reads = [
    'networking.k8s.io/ingresses',
    'networking.k8s.io/ingressclasses',
    '/services',
    'discovery.k8s.io/endpointslices',
    '/secrets',
    '/configmaps',
  ].flatMap((resource) => ['list', 'watch'].map((verb) => `${verb} ${resource}`));
  reads.push('get networking.k8s.io/ingresses');
  const writes = ['update networking.k8s.io/ingresses/status', 'create /events', 'patch /events'];
  assert.deepEqual([...grants].sort(), [...reads, ...writes].sort());
  const role = one('Role');
  assert.deepEqual(role.rules, [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      resourceNames: [DEFAULT_ELECTION_ID],
      verbs: ['get', 'update'],
    },
    {
      apiGroups: [''],
      resources: ['services'],
      resourceNames: [one('Service').metadata.name],
      verbs: ['get'],
    },
  ]);
  const serviceAccount = one('ServiceAccount').metadata.name;
  for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
    const binding = one(kind);
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: serviceAccount, namespace: 'pointsman' },
    ]);
  }
  assert.equal(one('ClusterRoleBinding').roleRef.name, one('ClusterRole').metadata.name);
  assert.equal(one('RoleBinding').roleRef.name, role.metadata.name);
});

test('the Dockerfile: Node 24 stages, production dependencies only, a non-root user, the image Node flags', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((match) => match[1]);
  assert.ok(stages.length >= 2, 'multi-stage');
  for (const image of stages) assert.match(image ?? '', /^node:24[-.]/);
  assert.match(dockerfile, /^RUN npm ci --omit=dev\b/m);
  const user = /^USER\s+(\d+)(?::(\d+))?\s*$/m.exec(dockerfile);
  assert.ok(user, 'a numeric USER');
  assert.notEqual(Number(user[1]), 0);
  assert.equal(Number(user[1]), pod.securityContext.runAsUser);
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  assert.deepEqual(JSON.parse(entrypoint ?? 'null'), [
    'node',
    ...IMAGE_NODE_FLAGS,
    'bin/pointsman.js',
  ]);
  assert.match(dockerfile, /^CMD \["serve"\]$/m);
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  assert.doesNotMatch(finalStage, /npm (ci|install)/, 'the final stage installs nothing');
  const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
  assert.match(ignore, /^\*$/m, 'the context is limited to what the image needs');
  assert.match(ignore, /^src\/\*\*\/\*\.test\.ts$/m);
});
