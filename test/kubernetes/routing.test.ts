import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AddressUpstreams } from './address-upstreams.ts';
import { CLUSTERS, type TestCluster } from './clusters.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import type { Kubectl } from './kubectl.ts';
import { BASE_MANIFESTS, ingressYaml, sliceYaml } from './manifests.ts';
import { get, untilStatus } from './traffic.ts';

for (const kind of CLUSTERS) {
  describe(
    `pointsman serve --kubeconfig, driven by kubectl, against ${kind.name}`,
    { skip: kind.skip },
    () => {
      let cluster: TestCluster;
      let upstreams: AddressUpstreams;
      let controller: ControllerProcess;
      let kubectl: Kubectl;
      let port: number;

      // What before() started, closed in reverse order even when before() failed halfway.
      const started: (() => Promise<unknown>)[] = [];

      before(async () => {
        cluster = await kind.start(10);
        started.push(() => cluster.close());
        upstreams = cluster.pods;
        kubectl = cluster.kubectl;
        controller = await startController(['--kubeconfig', cluster.controllerKubeconfig]);
        started.push(() => controller.stop());
        port = await controller.serving;
      });
      after(async () => {
        for (const close of started.reverse()) await close();
      });

      test('applied manifests route traffic', async () => {
        const first = upstreams.addresses.slice(0, 1);
        await kubectl.apply(
          [
            BASE_MANIFESTS,
            sliceYaml(upstreams.port, first),
            ingressYaml('shop', 'shop.example.com'),
          ].join('---\n'),
        );
        await untilStatus(port, 'shop.example.com', 200);
        assert.deepEqual(await get(port, 'shop.example.com'), { status: 200, body: first[0] });
        assert.equal((await get(port, 'other.example.com')).status, 404);
      });

      test('an edited Ingress is followed within a second', async () => {
        await kubectl.run(
          'patch',
          'ingress',
          'shop',
          '--type=json',
          '-p=[{"op":"replace","path":"/spec/rules/0/host","value":"store.example.com"}]',
        );
        const tookMs = await untilStatus(port, 'store.example.com', 200, 5_000);
        assert.ok(tookMs < 1_000, `the edit took ${String(tookMs)} ms to be routed`);
        assert.equal((await get(port, 'shop.example.com')).status, 404);
      });

      test('scaling the EndpointSlice 1 -> 10 -> 1 uses every endpoint and fails no request', async () => {
        const failures: string[] = [];
        const seen = new Set<string>();
        const only = upstreams.addresses[0] ?? '';
        let streak = 0;
        const client = { stop: false };
        const loop = (async () => {
          for (let sent = 0; !client.stop && sent < 20_000; sent++) {
            const reply = await get(port, 'store.example.com').catch((error: unknown) => ({
              status: 0,
              body: String(error),
            }));
            if (reply.status !== 200) failures.push(`${String(reply.status)} ${reply.body}`);
            seen.add(reply.body);
            streak = reply.body === only ? streak + 1 : 0;
          }
        })();
        const waitFor = async (condition: () => boolean, what: string): Promise<void> => {
          const deadline = Date.now() + 10_000;
          while (!condition()) {
            assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        };
        try {
          await kubectl.apply(sliceYaml(upstreams.port, upstreams.addresses));
          await waitFor(() => seen.size === 10, 'all 10 endpoints to answer');
          await kubectl.apply(sliceYaml(upstreams.port, [only]));
          streak = 0;
          // Round robin over 10 would break a run of 50 answers from one endpoint at once.
          await waitFor(() => streak >= 50, 'traffic to settle on one endpoint');
        } finally {
          client.stop = true;
          await loop;
        }
        assert.deepEqual(failures, []);
        assert.deepEqual([...seen].sort(), [...upstreams.addresses].sort());
      });

      test('an Ingress of an unknown class gets no routes; a deleted Ingress answers 404', async () => {
        await kubectl.apply(
          [
            ingressYaml('foreign', 'foreign.example.com', 'someone-else'),
            ingressYaml('marker', 'marker.example.com'),
          ].join('---\n'),
        );
        // Both came in one apply: once the marker routes, the foreign one has been seen too.
        await untilStatus(port, 'marker.example.com', 200);
        assert.equal((await get(port, 'foreign.example.com')).status, 404);
        await kubectl.run('delete', 'ingress', 'shop');
        await untilStatus(port, 'store.example.com', 404);
        assert.equal((await get(port, 'marker.example.com')).status, 200);
      });
    },
  );
}
