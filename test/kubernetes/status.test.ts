// Ingress status and Events end to end: two `pointsman serve --kubeconfig` replicas against the
// fake API server and a real one, objects applied with real kubectl. Only the elected leader writes; the address
// appears on our Ingresses only once they route, never on others; Events name rejected ones;
// stopping the leader hands the writing to the other replica.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { send } from '../helpers/http-client.ts';
import { CLUSTERS, type StoredObject, type TestCluster } from './clusters.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import { FAST_ELECTION_FLAGS } from './election-flags.ts';
import type { Kubectl } from './kubectl.ts';
import { BASE_MANIFESTS, ingressYaml, sliceYaml } from './manifests.ts';
import { get } from './traffic.ts';

const ADDRESS = '203.0.113.7';
const LEASE = { namespace: 'pointsman', name: 'pointsman-leader' };
const ELECTION_FLAGS = ['--election-namespace', LEASE.namespace, ...FAST_ELECTION_FLAGS];

interface Replica {
  readonly name: string;
  readonly process: ControllerProcess;
  readonly httpPort: number;
}

/** Calls `read` every 5 ms until `condition` holds of its value (at most `timeoutMs`). */
async function until<T>(
  read: () => Promise<T>,
  condition: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (condition(value)) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

for (const kind of CLUSTERS) {
  describe(
    `Ingress status and Events, written by the elected leader, against ${kind.name}`,
    { skip: kind.skip },
    () => {
      let cluster: TestCluster;
      let kubectl: Kubectl;
      const replicas: Replica[] = [];

      const startReplica = async (name: string): Promise<Replica> => {
        const args = [
          '--kubeconfig',
          cluster.controllerKubeconfig,
          '--publish-status-address',
          ADDRESS,
        ];
        const child = await startController([...args, ...ELECTION_FLAGS], { POD_NAME: name });
        const replica = { name, process: child, httpPort: await child.serving };
        replicas.push(replica);
        return replica;
      };
      const addressOf = async (name: string): Promise<unknown> => {
        const ingress = await cluster.read(
          `/apis/networking.k8s.io/v1/namespaces/default/ingresses/${name}`,
        );
        const status = ingress?.['status'] as { loadBalancer?: { ingress?: unknown } } | undefined;
        return status?.loadBalancer?.ingress;
      };
      const holderIdentity = async (): Promise<unknown> => {
        const lease = await cluster.read(
          `/apis/coordination.k8s.io/v1/namespaces/${LEASE.namespace}/leases/${LEASE.name}`,
        );
        return (lease?.['spec'] as { holderIdentity?: unknown } | undefined)?.holderIdentity;
      };
      const eventAbout = async (
        name: string,
        type = 'Warning',
      ): Promise<StoredObject | undefined> =>
        (await cluster.list('/api/v1/namespaces/default/events')).find(
          (event) =>
            (event['involvedObject'] as { name?: string }).name === name && event['type'] === type,
        );
      const leaderGauge = async (replica: Replica): Promise<string> => {
        const reply = await send(replica.process.adminPort, { path: '/metrics' });
        return /^pointsman_leader (\d)$/m.exec(reply.body)?.[1] ?? 'missing';
      };
      const defined = (value: unknown): boolean => value !== undefined;

      let clusterStarted = false;

      before(async () => {
        cluster = await kind.start(1);
        clusterStarted = true;
        kubectl = cluster.kubectl;
        await kubectl.apply(
          `${BASE_MANIFESTS}---\n${sliceYaml(cluster.pods.port, cluster.pods.addresses)}`,
        );
        await startReplica('replica-a');
        await until(holderIdentity, (holder) => holder === 'replica-a', 'replica-a to lead');
        await startReplica('replica-b');
      });
      after(async () => {
        await Promise.all(replicas.map((replica) => replica.process.stop()));
        if (clusterStarted) await cluster.close();
      });

      test('one replica leads; the address appears on our Ingress only once it routes', async () => {
        assert.equal(await holderIdentity(), 'replica-a');
        const [a, b] = replicas;
        assert.ok(a && b);
        assert.equal(await leaderGauge(a), '1');
        assert.equal(await leaderGauge(b), '0');

        await kubectl.apply(ingressYaml('shop', 'shop.example.com'));
        // Poll the Ingress; the moment the address shows, the leader must already route the host.
        await until(() => addressOf('shop'), defined, 'the address on default/shop');
        assert.equal((await get(a.httpPort, 'shop.example.com')).status, 200);
        assert.deepEqual(await addressOf('shop'), [{ ip: ADDRESS }]);
      });

      test('other classes and rejected Ingresses get no address; a rejected one a Warning, its fix a Normal Event', async () => {
        const broken = ingressYaml('broken', 'broken.example.com').replace(
          'path: /',
          'path: no-slash',
        );
        const foreign = ingressYaml('foreign', 'foreign.example.com', 'someone-else');
        if (kind.validates) {
          // A real API server refuses it itself: pointsman never sees it.
          const refusal = await kubectl.refused(broken);
          assert.match(
            refusal,
            /spec\.rules\[0\]\.http\.paths\[0\]\.path.*must be an absolute path/,
          );
          await kubectl.apply(foreign);
        } else {
          await kubectl.apply([foreign, broken].join('---\n'));
        }
        await kubectl.apply(ingressYaml('marker', 'marker.example.com'));
        await until(() => addressOf('marker'), defined, 'the address on default/marker');
        assert.equal(await addressOf('foreign'), undefined);
        if (!kind.validates) {
          const warning =
            (await until(() => eventAbout('broken'), defined, 'a Warning about default/broken')) ??
            {};
          assert.equal(warning['type'], 'Warning');
          assert.equal(warning['reason'], 'InvalidPath');
          assert.match(String(warning['message']), /no-slash/);
          assert.equal(await addressOf('broken'), undefined);
        }
        assert.equal(
          await eventAbout('foreign'),
          undefined,
          'nothing is recorded about other classes',
        );

        await kubectl.apply(broken.replace('path: no-slash', 'path: /'));
        await until(() => addressOf('broken'), defined, 'the address on default/broken');
        if (!kind.validates) {
          const normal = await until(
            () => eventAbout('broken', 'Normal'),
            defined,
            'a Normal Event about default/broken',
          );
          assert.equal(normal?.['reason'], 'Accepted');
        }
      });

      test('an Ingress with an unknown ingress-nginx annotation is served with a Warning; its fix gets a Normal Event', async () => {
        const sized = (key: string): string =>
          ingressYaml('sized', 'sized.example.com').replace(
            '  name: sized\n',
            `  name: sized\n  annotations:\n    nginx.ingress.kubernetes.io/${key}: "8m"\n`,
          );
        await kubectl.apply(sized('proxy-body-sise'));
        await until(() => addressOf('sized'), defined, 'the address on default/sized');
        const warning =
          (await until(() => eventAbout('sized'), defined, 'a Warning about default/sized')) ?? {};
        assert.equal(warning['reason'], 'UnknownAnnotation');
        assert.match(String(warning['message']), /proxy-body-sise/);
        await kubectl.apply(sized('proxy-body-size'));
        const normal = await until(
          () => eventAbout('sized', 'Normal'),
          defined,
          'a Normal Event about default/sized',
        );
        assert.equal(normal?.['reason'], 'Accepted');
      });

      test('an Ingress that moves to another class loses our address', async () => {
        await kubectl.run(
          'patch',
          'ingress',
          'marker',
          '--type=merge',
          '-p={"spec":{"ingressClassName":"someone-else"}}',
        );
        await until(
          () => addressOf('marker'),
          (value) => value === undefined,
          'marker to lose it',
        );
        assert.deepEqual(await addressOf('shop'), [{ ip: ADDRESS }]);
      });

      test('when the leader stops, the other replica takes over the writing', async () => {
        const [a, b] = replicas;
        assert.ok(a && b);
        assert.equal(await a.process.stop(), 0);
        // A clean stop releases the Lease, so the takeover need not wait for it to expire.
        await until(holderIdentity, (holder) => holder === 'replica-b', 'replica-b to lead', 5_000);
        // The Lease shows the new holder once written; the replica counts itself the leader
        // when the answer reaches it, a moment later.
        await until(
          () => leaderGauge(b),
          (gauge) => gauge === '1',
          'replica-b to say it leads',
        );
        await kubectl.apply(ingressYaml('late', 'late.example.com'));
        await until(() => addressOf('late'), defined, 'the address on default/late');
        assert.equal((await get(b.httpPort, 'late.example.com')).status, 200);
      });
    },
  );
}
