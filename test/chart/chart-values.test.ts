// Values other than the defaults render what docs/install.md promises; values of the wrong type
// are refused by values.schema.json before anything is rendered.
// Objects as YAML parses them (Loose): a test reads what it checks and fails on what is missing.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { parseFlags } from '../../src/cli/flags.ts';
import { SERVE_COMMAND_FLAGS } from '../../src/cli/serve-command.ts';
import { HELM_SKIP, renderChart, type Loose, type Rendered } from './helm.ts';

/** Renders with `values` and fails the test unless helm succeeded. */
async function render(values: unknown, release = 'pointsman'): Promise<Loose[]> {
  const run = await renderChart(values, { release });
  assert.equal(run.code, 0, run.stderr);
  return run.objects;
}

function only(objects: Loose[], kind: string): Loose {
  const found = objects.filter((object) => object.kind === kind);
  assert.equal(found.length, 1, `one ${kind} in ${kinds(objects).join(', ')}`);
  return found[0];
}

const kinds = (objects: Loose[]): string[] => objects.map((object) => String(object.kind)).sort();
const argsOf = (objects: Loose[]): string[] =>
  only(objects, 'Deployment').spec.template.spec.containers[0].args;

/** The args after the fixed ones serve always gets (deploy/'s seven). */
const extraArgsOf = (objects: Loose[]): string[] => argsOf(objects).slice(7);

suite('the chart with other values', { skip: HELM_SKIP }, () => {
  test('controller.replicaCount sets the replicas; with one, no PodDisruptionBudget', async () => {
    const three = await render({ controller: { replicaCount: 3, maxUnavailable: '50%' } });
    assert.equal(only(three, 'Deployment').spec.replicas, 3);
    const budget = only(three, 'PodDisruptionBudget').spec;
    assert.equal(budget.maxUnavailable, '50%');
    assert.equal(budget.minAvailable, undefined);
    const one = await render({ controller: { replicaCount: 1 } });
    assert.equal(only(one, 'Deployment').spec.replicas, 1);
    assert.ok(!kinds(one).includes('PodDisruptionBudget'));
  });

  test('controller.service: type, annotations, ports, node ports, traffic policy', async () => {
    const objects = await render({
      controller: {
        service: {
          type: 'NodePort',
          annotations: { 'example.com/lb': 'internal', 'example.com/quoted': 'a: "b" # c' },
          externalTrafficPolicy: 'Local',
          ports: { http: 8000 },
          nodePorts: { http: 30080, https: 30443 },
        },
      },
    });
    const service = only(objects, 'Service');
    assert.equal(service.spec.type, 'NodePort');
    assert.deepEqual(service.metadata.annotations, {
      'example.com/lb': 'internal',
      'example.com/quoted': 'a: "b" # c',
    });
    assert.equal(service.spec.externalTrafficPolicy, 'Local');
    assert.deepEqual(
      service.spec.ports.map((port: Loose) => [port.name, port.port, port.nodePort]),
      [
        ['http', 8000, 30080],
        ['https', 443, 30443],
      ],
    );
    // A ClusterIP Service has no node ports to fix.
    const clusterIp = await render({
      controller: { service: { type: 'ClusterIP', nodePorts: { http: 30080 } } },
    });
    const ports: Loose[] = only(clusterIp, 'Service').spec.ports;
    assert.ok(ports.every((port) => port.nodePort === undefined));
  });

  test('controller.ingressClassResource and ingressClass: default class, name, controller, or none', async () => {
    const objects = await render({
      controller: {
        ingressClassResource: {
          default: true,
          name: 'edge',
          controllerValue: 'example.com/edge',
          annotations: { 'example.com/owner': 'platform' },
        },
        ingressClass: 'edge',
        watchIngressWithoutClass: true,
      },
    });
    const ingressClass = only(objects, 'IngressClass');
    assert.equal(ingressClass.metadata.name, 'edge');
    assert.deepEqual(ingressClass.metadata.annotations, {
      'ingressclass.kubernetes.io/is-default-class': 'true',
      'example.com/owner': 'platform',
    });
    assert.equal(ingressClass.spec.controller, 'example.com/edge');
    // serve must claim the IngressClasses of that controller (and the legacy annotation's class).
    assert.deepEqual(extraArgsOf(objects), [
      '--controller-name=example.com/edge',
      '--ingress-class=edge',
      '--watch-ingress-without-class',
    ]);
    const none = await render({ controller: { ingressClassResource: { enabled: false } } });
    assert.ok(!kinds(none).includes('IngressClass'));
  });

  test('controller.extraArgs: --key=value, switches, lists, quoting; serve parses them', async () => {
    const url = 'http://auth.example.com/check?x=1#frag: "q"';
    const objects = await render({
      controller: {
        extraArgs: {
          'log-level': 'debug',
          'max-connections': 1000000,
          'allowed-response-headers': ['x-a', 'x-b'],
          'watch-ingress-without-class': true,
          'allow-cross-namespace-resources': false,
          'global-auth-url': url,
        },
      },
    });
    assert.deepEqual(extraArgsOf(objects), [
      '--allowed-response-headers=x-a',
      '--allowed-response-headers=x-b',
      `--global-auth-url=${url}`,
      '--log-level=debug',
      '--max-connections=1000000',
      '--watch-ingress-without-class',
    ]);
    // serve's own parser: an unknown flag, a value on a switch or a missing value throws.
    const { values } = parseFlags(argsOf(objects).slice(1), SERVE_COMMAND_FLAGS, false);
    assert.equal(values['global-auth-url'], url);
    assert.deepEqual(values['allowed-response-headers'], ['x-a', 'x-b']);
    assert.equal(values['watch-ingress-without-class'], true);
    assert.equal(values['allow-cross-namespace-resources'], undefined);
  });

  test('every flag the chart writes is one serve knows, with the value the chart meant', async () => {
    const objects = await render({
      controller: {
        electionID: 'edge-lease',
        ingressClassResource: { controllerValue: 'example.com/edge' },
        ingressClass: 'edge',
        watchIngressWithoutClass: true,
        workers: 3,
        scope: { enabled: true, namespace: 'a,b' },
        publishService: { pathOverride: 'pointsman/public' },
        containerPort: { http: 9080, https: 9443 },
        metrics: { port: 9254 },
      },
    });
    const { values } = parseFlags(argsOf(objects).slice(1), SERVE_COMMAND_FLAGS, false);
    // parseArgs returns an object without a prototype; strict deepEqual compares prototypes.
    assert.deepEqual(
      { ...values },
      {
        'in-cluster': true,
        'publish-service': 'pointsman/public',
        'http-port': '9080',
        'https-port': '9443',
        'admin-port': '9254',
        'shutdown-grace': '30s',
        'election-id': 'edge-lease',
        'controller-name': 'example.com/edge',
        'ingress-class': 'edge',
        'watch-ingress-without-class': true,
        workers: '3',
        'watch-namespace': ['a,b'],
      },
    );
    const ports = only(objects, 'Deployment').spec.template.spec.containers[0].ports;
    assert.deepEqual(
      ports.map((port: Loose) => [port.name, port.containerPort]),
      [
        ['http', 9080],
        ['https', 9443],
        ['admin', 9254],
      ],
    );
  });

  test("controller.workers: --workers when not auto (serve's default), a count", async () => {
    assert.deepEqual(extraArgsOf(await render({ controller: { workers: 4 } })), ['--workers=4']);
    assert.deepEqual(extraArgsOf(await render({ controller: { workers: 1 } })), ['--workers=1']);
    assert.deepEqual(extraArgsOf(await render({ controller: { workers: 'auto' } })), []);
    assert.deepEqual(extraArgsOf(await render({})), [], 'the default is auto');
  });

  test('controller.scope watches the release namespace, or the one given', async () => {
    const own = await render({ controller: { scope: { enabled: true } } });
    assert.deepEqual(extraArgsOf(own), ['--watch-namespace=$(POD_NAMESPACE)']);
    const given = await render({ controller: { scope: { enabled: true, namespace: 'a,b' } } });
    assert.deepEqual(extraArgsOf(given), ['--watch-namespace=a,b']);
    const off = await render({ controller: { scope: { enabled: false, namespace: 'a' } } });
    assert.deepEqual(extraArgsOf(off), []);
  });

  test('controller.electionID names the Lease in the flag and in the Role', async () => {
    const leaseRule = (objects: Loose[]): Loose =>
      only(objects, 'Role').rules.find((rule: Loose) => rule.resourceNames !== undefined);
    const given = await render({ controller: { electionID: 'edge-lease' } });
    assert.deepEqual(extraArgsOf(given), ['--election-id=edge-lease']);
    assert.deepEqual(leaseRule(given).resourceNames, ['edge-lease']);
    // Another release gets names of its own, its Lease included (as ingress-nginx's chart).
    const edge = await render({}, 'edge');
    assert.deepEqual(extraArgsOf(edge), ['--election-id=edge-pointsman-leader']);
    assert.deepEqual(leaseRule(edge).resourceNames, ['edge-pointsman-leader']);
    assert.ok(argsOf(edge).includes('--publish-service=$(POD_NAMESPACE)/edge-pointsman'));
    const names = new Set(
      edge.filter((object) => object.kind !== 'IngressClass').map((o) => o.metadata.name),
    );
    assert.deepEqual([...names].sort(), ['edge-pointsman', 'edge-pointsman-leader-election']);
  });

  test('controller.publishService: another Service, or none', async () => {
    const serviceRule = (objects: Loose[]): Loose =>
      only(objects, 'Role').rules.find((rule: Loose) => rule.resources[0] === 'services');
    const other = await render({
      controller: { publishService: { pathOverride: '$(POD_NAMESPACE)/public' } },
    });
    assert.ok(argsOf(other).includes('--publish-service=$(POD_NAMESPACE)/public'));
    assert.deepEqual(serviceRule(other).resourceNames, ['public']);
    const none = await render({ controller: { publishService: { enabled: false } } });
    assert.ok(!argsOf(none).some((arg) => arg.startsWith('--publish-service')));
    assert.equal(serviceRule(none), undefined);
  });

  test('controller.metrics.serviceMonitor renders a ServiceMonitor and its Service only when on', async () => {
    const off = await render({});
    assert.ok(!kinds(off).includes('ServiceMonitor'));
    assert.equal(off.filter((object) => object.kind === 'Service').length, 1);
    const on = await render({
      controller: {
        metrics: { serviceMonitor: { enabled: true, additionalLabels: { release: 'prom' } } },
      },
    });
    const monitor = only(on, 'ServiceMonitor');
    assert.equal(monitor.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(monitor.metadata.labels.release, 'prom');
    const metrics = on.find(
      (object) => object.kind === 'Service' && object.metadata.name === 'pointsman-metrics',
    );
    assert.ok(metrics, 'a Service in front of /metrics');
    // The monitor selects that Service (and not the LoadBalancer one) by its labels and port.
    for (const [name, value] of Object.entries(monitor.spec.selector.matchLabels as object)) {
      assert.equal(metrics.metadata.labels[name], value, name);
    }
    const main = on.find((object) => object.kind === 'Service' && object !== metrics);
    assert.notEqual(main.metadata.labels['app.kubernetes.io/component'], 'metrics');
    assert.deepEqual(
      monitor.spec.endpoints.map((endpoint: Loose) => endpoint.port),
      ['metrics'],
    );
    assert.deepEqual(
      metrics.spec.ports.map((port: Loose) => [port.name, port.targetPort]),
      [['metrics', 'admin']],
    );
    assert.deepEqual(metrics.spec.selector, only(on, 'Deployment').spec.selector.matchLabels);
  });

  test('rbac.create=false renders no RBAC; serviceAccount.create=false uses the name given', async () => {
    const objects = await render({ rbac: { create: false } });
    assert.deepEqual(
      kinds(objects).filter((kind) => /Role/.test(kind)),
      [],
    );
    assert.ok(kinds(objects).includes('ServiceAccount'));
    const external = await render({ serviceAccount: { create: false, name: 'ingress' } });
    assert.ok(!kinds(external).includes('ServiceAccount'));
    assert.equal(only(external, 'Deployment').spec.template.spec.serviceAccountName, 'ingress');
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      assert.deepEqual(only(external, kind).subjects, [
        { kind: 'ServiceAccount', name: 'ingress', namespace: 'pointsman' },
      ]);
    }
  });

  test('image, resources and security contexts merge with the defaults', async () => {
    const objects = await render({
      controller: {
        image: { repository: 'registry.example.com/pointsman', tag: '1.2.3' },
        resources: { limits: { memory: '1Gi' } },
        podSecurityContext: { runAsUser: 10001 },
        containerSecurityContext: { readOnlyRootFilesystem: null },
      },
    });
    const pod = only(objects, 'Deployment').spec.template.spec;
    const container = pod.containers[0];
    assert.equal(container.image, 'registry.example.com/pointsman:1.2.3');
    assert.deepEqual(container.resources, {
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '1Gi' },
    });
    assert.equal(pod.securityContext.runAsUser, 10001);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    // null removes a default, as everywhere in Helm.
    assert.equal(container.securityContext.readOnlyRootFilesystem, undefined);
    assert.deepEqual(container.securityContext.capabilities, { drop: ['ALL'] });
  });
});

suite('the chart refuses values of the wrong type or name', { skip: HELM_SKIP }, () => {
  const refused = async (values: unknown, path: string): Promise<Rendered> => {
    const run = await renderChart(values);
    assert.notEqual(run.code, 0, `${path} was accepted`);
    assert.match(run.stderr, /values don't meet the specifications of the schema/);
    assert.ok(run.stderr.includes(path), `${path} named in: ${run.stderr}`);
    assert.equal(run.stdout, '', 'nothing rendered');
    return run;
  };

  test('a replica count that is not a number', async () => {
    const run = await refused({ controller: { replicaCount: 'two' } }, '/controller/replicaCount');
    assert.match(run.stderr, /got string, want integer/);
  });

  test('a Service type Kubernetes does not have', async () => {
    await refused(
      { controller: { service: { type: 'Loadbalancer' } } },
      '/controller/service/type',
    );
  });

  test('an annotation value that is not a string', async () => {
    await refused(
      { controller: { service: { annotations: { 'example.com/internal': true } } } },
      '/controller/service/annotations/example.com~1internal',
    );
  });

  test('an ingress-nginx value this chart does not have, rather than ignoring it', async () => {
    const run = await refused(
      { controller: { config: { 'proxy-body-size': '8m' }, replicaCount: 2 } },
      '/controller',
    );
    assert.match(run.stderr, /additional properties 'config' not allowed/);
  });

  test('a worker count that is not a count from 1 to 256 or auto', async () => {
    for (const workers of [0, 257, 1.5, 'all', '2']) {
      await refused({ controller: { workers } }, '/controller/workers');
    }
    // --workers by hand beside controller.workers would give serve the flag twice.
    const run = await renderChart({ controller: { extraArgs: { workers: 2 } } });
    assert.notEqual(run.code, 0, 'extraArgs.workers was accepted');
  });

  test('a Lease name that is not a DNS subdomain', async () => {
    await refused({ controller: { electionID: 'Leader Lease' } }, '/controller/electionID');
  });

  test('an extra flag the chart sets from its own values, or one that is not a flag name', async () => {
    // --election-id by hand would leave the Role granting the old Lease: never leading.
    const run = await renderChart({ controller: { extraArgs: { 'election-id': 'other' } } });
    assert.notEqual(run.code, 0, 'extraArgs.election-id was accepted');
    assert.match(run.stderr, /values don't meet the specifications of the schema/);
    const spaced = await renderChart({ controller: { extraArgs: { 'foo bar': 'x' } } });
    assert.notEqual(spaced.code, 0, 'a flag name with a space was accepted');
  });

  test('a --publish-service path that is not NAMESPACE/NAME', async () => {
    await refused(
      { controller: { publishService: { pathOverride: 'just-a-name' } } },
      '/controller/publishService/pathOverride',
    );
  });
});

test(
  'a --publish-service Service in another namespace fails the render: the Role could not grant it',
  { skip: HELM_SKIP },
  async () => {
    const run = await renderChart({
      controller: { publishService: { pathOverride: 'other/edge' } },
    });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /pathOverride: the Service must be in the release's namespace/);
  },
);
