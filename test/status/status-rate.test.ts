import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusSettingsFrom } from '../../src/cli/status-flags.ts';
import { ControlLoop } from '../../src/control/index.ts';
import { silentLogger } from '../../src/observability/index.ts';
import { KubernetesSource, connectKubeApi } from '../../src/sources/kubernetes/index.ts';
import { startStatus } from '../../src/status/index.ts';
import { ObjectStore } from '../../src/store/index.ts';
import { startApi, until } from './support.ts';

// The suite's small version of test/status/status-at-scale.ts (which measures 10,000): the
// flags' rate, not a constant, is what paces the leader's status writes through the whole
// pipeline (watch, store, control loop, writer, client-node, HTTP).

const COUNT = 100;

/**
 * Creates COUNT new Ingresses while a leader runs with `flags`; resolves with the seconds from
 * the first create until every one of them carries the address.
 */
async function secondsToPublish(flags: Record<string, string>): Promise<number> {
  const api = await startApi();
  const logger = silentLogger();
  const store = new ObjectStore();
  const source = new KubernetesSource({
    api: await connectKubeApi({ mode: 'kubeconfig', path: api.kubeconfig }),
    store,
    logger,
  });
  const loop = new ControlLoop({ store, holder: { swap: () => true }, logger });
  try {
    api.server.create('IngressClass', {
      metadata: { name: 'pointsman' },
      spec: { controller: 'pointsman.dev/ingress-controller' },
    });
    source.start();
    await source.synced;
    loop.start();
    const settings = statusSettingsFrom(
      { 'publish-status-address': '198.51.100.7', 'election-namespace': 'pointsman', ...flags },
      { env: {}, readFile: () => undefined, hostname: () => 'rate-test' },
    );
    const status = startStatus({
      loop,
      client: await api.client(),
      settings,
      logger,
      lookupIngress: (namespace, name) => source.get('Ingress', namespace, name),
    });
    try {
      await until(() => status.leading);
      const started = performance.now();
      for (let i = 0; i < COUNT; i++) {
        const name = `app-${String(i)}`;
        const backend = { service: { name: 'app', port: { number: 80 } } };
        api.server.create('Ingress', {
          metadata: { name, namespace: 'web' },
          spec: {
            ingressClassName: 'pointsman',
            rules: [
              {
                host: `${name}.example.com`,
                http: { paths: [{ path: '/', pathType: 'Prefix', backend }] },
              },
            ],
          },
        });
      }
      await until(
        () =>
          api.server
            .list('Ingress', { namespace: 'web' })
            .filter((ingress) => JSON.stringify(ingress['status'] ?? {}).includes('198.51.100.7'))
            .length === COUNT,
        30_000,
      );
      const seconds = (performance.now() - started) / 1000;
      const puts = api.server.requests.filter(
        (request) => request.method === 'PUT' && request.path.endsWith('/status'),
      );
      assert.equal(puts.length, COUNT, 'one status write per Ingress, none already right');
      return seconds;
    } finally {
      await status.stop();
    }
  } finally {
    await source.close();
    loop.close();
    store.close();
    await api.close();
  }
}

test('--status-write-rate paces the status writes: slow at 25/s, fast at 1000/s', async (t) => {
  // 25/s after a burst of 5: the token bucket cannot let 100 writes through in less than 3.8 s.
  const slow = await secondsToPublish({ 'status-write-rate': '25', 'status-write-burst': '5' });
  const floor = (COUNT - 5) / 25;
  assert.ok(slow >= floor, `${slow.toFixed(2)} s at 25/s, at least ${String(floor)} s`);
  const fast = await secondsToPublish({ 'status-write-rate': '1000' });
  t.diagnostic(
    `${String(COUNT)} Ingresses: ${slow.toFixed(2)} s at 25/s, ${fast.toFixed(2)} s at 1000/s`,
  );
  assert.ok(fast < floor, `${fast.toFixed(2)} s at 1000/s, under the ${String(floor)} s of 25/s`);
});
