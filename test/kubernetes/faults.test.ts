import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { send } from '../helpers/http-client.ts';
import type { RequestInfo } from '../fake-api-server/index.ts';
import { startAddressUpstreams, type AddressUpstreams } from './address-upstreams.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import { KUBECTL, KUBECTL_SKIP, Kubectl } from './kubectl.ts';
import { BASE_MANIFESTS, ingressYaml, sliceYaml } from './manifests.ts';
import { startApi, until, type ApiFixture } from './support.ts';
import { get, untilStatus } from './traffic.ts';

/** The controller's list and watch requests (kubectl reads single objects, never collections). */
const fromController = (request: RequestInfo): boolean =>
  request.method === 'GET' &&
  /\/(ingresses|ingressclasses|services|endpointslices|secrets)$/.test(request.path);

const readyz = async (adminPort: number): Promise<number> =>
  (await send(adminPort, { path: '/readyz', headers: { host: 'localhost' } })).status;

describe('the controller converges again after API server faults', { skip: KUBECTL_SKIP }, () => {
  let api: ApiFixture;
  let upstreams: AddressUpstreams;
  let controller: ControllerProcess;
  let kubectl: Kubectl;
  let port: number;
  let step = 0;

  /** Moves the Ingress to a new host with kubectl; resolves once that host is routed. */
  async function changeIsRouted(): Promise<void> {
    step++;
    const host = `step-${String(step)}.example.com`;
    await kubectl.apply(ingressYaml('shop', host));
    await untilStatus(port, host, 200, 15_000);
    assert.equal(controller.child.exitCode, null, 'the controller never restarted');
  }

  before(async () => {
    api = await startApi();
    upstreams = await startAddressUpstreams(1);
    kubectl = new Kubectl(KUBECTL ?? '', api.kubeconfig, api.dir);
  });
  after(async () => {
    await controller.stop();
    await upstreams.close();
    await api.close();
  });

  test('/readyz is 503 until every kind has been listed, then 200', async () => {
    const isIngressList = (request: RequestInfo): boolean =>
      fromController(request) && request.path.endsWith('/ingresses') && !request.query['watch'];
    api.server.hangNext(1, isIngressList);
    controller = await startController(['--kubeconfig', api.kubeconfig]);
    await until(() => api.server.requests.some((r) => isIngressList(r) && r.status === 0), 10_000);
    assert.equal(await readyz(controller.adminPort), 503);
    // The other kinds are listed by now; the hung one alone holds readiness back.
    assert.equal(await readyz(controller.adminPort), 503);
    // A restart cuts the hung list; the retry completes it.
    await api.server.restart();
    port = await controller.serving;
    assert.equal(await readyz(controller.adminPort), 200);
    await kubectl.apply(
      [
        BASE_MANIFESTS,
        sliceYaml(upstreams.port, upstreams.addresses),
        ingressYaml('shop', 'a.example.com'),
      ].join('---\n'),
    );
    await untilStatus(port, 'a.example.com', 200);
  });

  test('dropped watches', async () => {
    api.server.dropWatches();
    await changeIsRouted();
  });

  test('compaction (410 Expired) with dropped watches', async () => {
    api.server.compact();
    api.server.dropWatches();
    await changeIsRouted();
  });

  test('500s for a while', async () => {
    const failed = (): number =>
      api.server.requests.filter((r) => fromController(r) && r.status === 500).length;
    api.server.failNext(10, 500, fromController);
    api.server.dropWatches();
    // Every loop retries on its own backoff; each takes some of the failures.
    await until(() => failed() === 10, 15_000);
    await changeIsRouted();
  });

  test('an API server restart, with changes made while it was down', async () => {
    await api.server.restart(() => {
      api.server.delete('Ingress', { namespace: 'default', name: 'shop' });
      api.server.compact();
    });
    await untilStatus(port, `step-${String(step)}.example.com`, 404, 15_000);
    await changeIsRouted();
    assert.equal((await get(port, 'a.example.com')).status, 404);
    const started = controller.logs.filter((line) => line['msg'] === 'pointsman is serving');
    assert.equal(started.length, 1);
    assert.equal(await readyz(controller.adminPort), 200);
  });
});
