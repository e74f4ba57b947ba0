// For each verb deploy/'s roles grant, what pointsman does with it: how a test sees it work (with
// every grant) and how it sees it break (with that one verb taken away), always by a sign that
// comes (a 403 in the log, an Event, an address), never by waiting for nothing to happen alone.
import assert from 'node:assert/strict';
import type { ControllerProcess } from '../kubernetes/controller-process.ts';
import type { ConflictProxy } from './conflict-proxy.ts';
import {
  addressOf,
  eventsAbout,
  forbiddenLogged,
  holdsFor,
  leaderGauge,
  objectRow,
  readyz,
  waitFor,
} from './rbac-probes.ts';
import { CHANGES, PUBLISHED_ADDRESS, type World } from './rbac-world.ts';

/** A running pointsman of a {@link World}. */
export interface Running {
  readonly process: ControllerProcess;
  /** The conflict proxy between it and the API server, when the behaviour needs one. */
  readonly proxy: ConflictProxy | null;
}

/** What one verb is for. */
export interface Behaviour {
  /** What stops working without it. */
  readonly breaks: string;
  /** Objects made before pointsman starts (besides {@link baseObjects}). */
  readonly before: (world: World) => Promise<object[]>;
  /** Whether pointsman must talk to the API server through the conflict proxy. */
  readonly throughProxy?: boolean;
  /** Shows the behaviour with every grant. */
  readonly works: (world: World, running: Running) => Promise<void>;
  /** Shows it broken without the verb. */
  readonly fails: (world: World, running: Running) => Promise<void>;
}

/** How long a change must go unseen (and a working pointsman takes at most to see it). */
const FOLLOW_MS = 3_000;

/** A reflector's log line about a failed list (or watch) of `kind`. */
const listFailed = (kind: string): RegExp => new RegExp(`"kind":"${kind}".*"msg":"list failed"`);
const watchFailed = (kind: string): RegExp => new RegExp(`"kind":"${kind}".*"msg":"watch failed"`);

/** Makes objects as the admin (while pointsman runs). */
export type Create = (objects: readonly object[]) => Promise<void>;

/** The list of a kind refused: the first list never succeeds, so pointsman never turns ready. */
function listBehaviour(resource: string): Behaviour {
  const change = CHANGES[resource];
  assert.ok(change !== undefined);
  return {
    breaks: `the first list of ${change.kind} objects: never ready (/readyz 503)`,
    before: () => Promise.resolve([]),
    works: async (_world, { process }) => {
      await waitFor(
        '/readyz 200',
        () => readyz(process),
        (status) => status === 200,
      );
    },
    fails: async (_world, { process }) => {
      // Twice: refused, retried, refused again, and still not ready.
      await forbiddenLogged(process, listFailed(change.kind), 2);
      assert.equal(await readyz(process), 503, 'ready although a list was refused');
    },
  };
}

/** The watch of a kind refused: the list works (ready), changes are never seen. */
function watchBehaviour(resource: string, create: Create): Behaviour {
  const change = CHANGES[resource];
  assert.ok(change !== undefined);
  const row = (world: World, process: ControllerProcess) => () =>
    objectRow(process, 'Ingress', world.namespace, change.ingress);
  return {
    breaks: `following ${change.kind} objects: one made after the start is never seen`,
    before: change.before,
    works: async (world, { process }) => {
      await waitFor(
        '/readyz 200',
        () => readyz(process),
        (status) => status === 200,
      );
      await waitFor('the state before the change', row(world, process), change.unseen);
      await create(await change.change(world));
      await waitFor(
        `the new ${change.kind} to be seen`,
        row(world, process),
        change.seen,
        FOLLOW_MS,
      );
    },
    fails: async (world, { process }) => {
      await waitFor(
        '/readyz 200',
        () => readyz(process),
        (status) => status === 200,
      );
      await forbiddenLogged(process, watchFailed(change.kind));
      await waitFor('the state before the change', row(world, process), change.unseen);
      await create(await change.change(world));
      await holdsFor(
        `the new ${change.kind} unseen`,
        row(world, process),
        change.unseen,
        FOLLOW_MS,
      );
    },
  };
}

/** The address lands on `web`. */
async function addressWritten(world: World): Promise<void> {
  await waitFor(
    'the address on web',
    () => addressOf(world.server, world.namespace, 'web'),
    (value) => JSON.stringify(value) === JSON.stringify([{ ip: PUBLISHED_ADDRESS }]),
  );
}

async function leading(process: ControllerProcess): Promise<void> {
  await waitFor(
    'pointsman_leader 1',
    () => leaderGauge(process),
    (value) => value === '1',
  );
}

const warnings = async (world: World): Promise<{ count: number }[]> =>
  (await eventsAbout(world.server, world.namespace, 'noisy')).filter(
    (event) => event.type === 'Warning',
  );

/**
 * The Warning about `noisy` once, then `noisy` fixed (a Normal Event) and broken the same way
 * again: the recorder bumps the count of the first Warning with a PATCH.
 */
async function warnTwice(world: World): Promise<void> {
  await waitFor(
    'a Warning about noisy',
    () => warnings(world),
    (events) => events.length === 1,
  );
  const path = `/apis/networking.k8s.io/v1/namespaces/${world.namespace}/ingresses/noisy`;
  const annotate = async (value: string | null): Promise<void> => {
    const reply = await world.server.request('PATCH', path, {
      metadata: { annotations: { 'nginx.ingress.kubernetes.io/rbac-unknown': value } },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply));
  };
  await annotate(null);
  await waitFor(
    'a Normal Event about noisy',
    () => eventsAbout(world.server, world.namespace, 'noisy'),
    (events) => events.some((event) => event.type === 'Normal'),
  );
  await annotate('yes');
}

/** The behaviours, by the grant key of the verb ({@link grantKey}). */
export function behaviours(create: Create): Record<string, Behaviour> {
  const none = (): Promise<object[]> => Promise.resolve([]);
  const table: Record<string, Behaviour> = {};
  const resources: Record<string, string> = {
    ingresses: 'networking.k8s.io',
    ingressclasses: 'networking.k8s.io',
    services: '',
    endpointslices: 'discovery.k8s.io',
    secrets: '',
    configmaps: '',
  };
  for (const [resource, group] of Object.entries(resources)) {
    table[`${group}/${resource}:list`] = listBehaviour(resource);
    table[`${group}/${resource}:watch`] = watchBehaviour(resource, create);
  }
  table['networking.k8s.io/ingresses:get'] = {
    breaks: 'a status write that conflicts is never retried on the newest version: no address',
    before: none,
    throughProxy: true,
    works: async (world, { proxy }) => {
      await addressWritten(world);
      assert.ok(proxy !== null);
      assert.ok(proxy.conflicts(world.namespace, 'web') >= 1 && proxy.rereads >= 1);
    },
    fails: async (world, { process, proxy }) => {
      assert.ok(proxy !== null);
      await forbiddenLogged(process, /GET [^"]*\/ingresses\/web\b/);
      // Retried (from the watch's copy) and refused again: the write never goes through.
      await waitFor(
        'a second conflict on web',
        () => proxy.conflicts(world.namespace, 'web'),
        (count) => count >= 2,
      );
      assert.equal(await addressOf(world.server, world.namespace, 'web'), undefined);
    },
  };
  table['networking.k8s.io/ingresses/status:update'] = {
    breaks: 'publishing the address on our Ingresses',
    before: none,
    works: addressWritten,
    fails: async (world, { process }) => {
      await leading(process);
      await forbiddenLogged(process, /PUT [^"]*\/ingresses\/web\/status/);
      assert.equal(await addressOf(world.server, world.namespace, 'web'), undefined);
    },
  };
  table['/events:create'] = {
    breaks: 'Warning Events on Ingresses',
    before: none,
    works: async (world) => {
      await waitFor(
        'a Warning about noisy',
        () => warnings(world),
        (events) => events.length > 0,
      );
    },
    fails: async (world, { process }) => {
      await forbiddenLogged(process, /POST [^"]*\/events/);
      assert.deepEqual(await warnings(world), []);
    },
  };
  table['/events:patch'] = {
    breaks: 'counting a repeated Warning (the count stays 1)',
    before: none,
    works: async (world) => {
      await warnTwice(world);
      await waitFor(
        'the Warning counted twice',
        () => warnings(world),
        (events) => events.some((event) => event.count === 2),
      );
    },
    fails: async (world, { process }) => {
      await warnTwice(world);
      await forbiddenLogged(process, /PATCH [^"]*\/events\//);
      assert.deepEqual(await warnings(world), [
        { type: 'Warning', reason: 'UnknownAnnotation', count: 1 },
      ]);
    },
  };
  const leasePath = (world: World): string =>
    `/apis/coordination.k8s.io/v1/namespaces/${world.namespace}/leases/pointsman-leader`;
  table['coordination.k8s.io/leases:create'] = {
    breaks: 'leader election when no Lease exists yet: never leads, writes nothing',
    before: none,
    works: async (world, { process }) => {
      await leading(process);
      assert.equal((await world.server.request('GET', leasePath(world))).status, 200);
    },
    fails: async (world, { process }) => {
      await forbiddenLogged(process, /POST [^"]*\/leases/);
      assert.equal(await leaderGauge(process), '0');
      assert.equal((await world.server.request('GET', leasePath(world))).status, 404);
    },
  };
  table['coordination.k8s.io/leases#pointsman-leader:get'] = {
    breaks: 'leader election: the Lease cannot be read, so pointsman never leads',
    before: none,
    works: async (_world, { process }) => {
      await leading(process);
    },
    fails: async (_world, { process }) => {
      await forbiddenLogged(process, /GET [^"]*\/leases\/pointsman-leader/);
      assert.equal(await leaderGauge(process), '0');
    },
  };
  table['coordination.k8s.io/leases#pointsman-leader:update'] = {
    breaks: 'renewing the Lease: leadership ends at the renew deadline',
    before: none,
    works: async (world, { process }) => {
      await leading(process);
      const renewTime = async (): Promise<unknown> =>
        (
          (await world.server.request('GET', leasePath(world))).body as {
            spec?: { renewTime?: unknown };
          }
        ).spec?.renewTime;
      const first = await renewTime();
      await waitFor('a renewal', renewTime, (value) => value !== first);
      await holdsFor(
        'leading',
        () => leaderGauge(process),
        (value) => value === '1',
        2_000,
      );
    },
    fails: async (_world, { process }) => {
      await forbiddenLogged(process, /PUT [^"]*\/leases\/pointsman-leader/);
      await waitFor(
        'the end of leadership',
        () => process.logs.some((entry) => entry['msg'] === 'stopped leading'),
        (stopped) => stopped,
      );
      await waitFor(
        'pointsman_leader 0',
        () => leaderGauge(process),
        (value) => value === '0',
      );
    },
  };
  table['/services#pointsman:get'] = {
    breaks: '--publish-service: the Service cannot be read, no address is published',
    before: none,
    works: addressWritten,
    fails: async (world, { process }) => {
      await leading(process);
      await forbiddenLogged(process, /cannot read --publish-service/);
      assert.equal(await addressOf(world.server, world.namespace, 'web'), undefined);
    },
  };
  return table;
}
