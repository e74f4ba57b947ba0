// The fake Kubernetes API server of bench/scale.ts, in its own process so that its work (lists
// of thousands of objects, status writes) never runs on the event loop that times requests.
// Driven over the IPC channel of fork(): see fake-api.ts for the messages.
import { startFakeApiServer } from '../../test/fake-api-server/index.ts';
import {
  altObjects,
  appName,
  appObjects,
  endpointSlice,
  ingress,
  ingressClass,
  namespaceOf,
  type Backends,
} from './objects.ts';

/** A request from the parent. */
export type FakeApiRequest =
  | {
      readonly id: number;
      readonly op: 'load';
      readonly count: number;
      readonly backends: Backends;
    }
  | { readonly id: number; readonly op: 'edit'; readonly index: number }
  | { readonly id: number; readonly op: 'slice'; readonly index: number; readonly port: number }
  | { readonly id: number; readonly op: 'statuses' };

/** The answer to request `id`: a number (objects, or Ingresses with an address) or an error. */
export interface FakeApiReply {
  readonly id: number;
  readonly value?: number;
  readonly error?: string;
}

const dir = process.argv[2];
if (dir === undefined || process.send === undefined) {
  throw new Error('fake-api-child.ts is started by bench/scale/fake-api.ts with fork()');
}
const send = process.send.bind(process);
const server = await startFakeApiServer({ historyLimit: 100_000 });
const kubeconfig = await server.writeKubeconfig(dir);

function handle(request: FakeApiRequest): number {
  switch (request.op) {
    case 'load': {
      let created = 0;
      server.create('IngressClass', ingressClass());
      for (const object of altObjects(request.count, request.backends)) {
        server.create(object.kind, object);
        created++;
      }
      for (let index = 0; index < request.count; index++) {
        for (const object of appObjects(index, request.backends)) {
          server.create(object.kind, object);
          created++;
        }
      }
      return created;
    }
    case 'edit': {
      // Read first so that the stored status is written back unchanged.
      const ref = { namespace: namespaceOf(request.index), name: appName(request.index) };
      const current = server.get('Ingress', ref);
      if (current === undefined) throw new Error(`no Ingress ${appName(request.index)}`);
      server.update('Ingress', { ...current, spec: ingress(request.index, true)['spec'] });
      return 1;
    }
    case 'slice': {
      const name = appName(request.index);
      server.update('EndpointSlice', endpointSlice(name, namespaceOf(request.index), request.port));
      return 1;
    }
    case 'statuses':
      return server.list('Ingress').filter(hasAddress).length;
  }
}

function hasAddress(object: { readonly [key: string]: unknown }): boolean {
  const status = object['status'] as { loadBalancer?: { ingress?: unknown[] } } | undefined;
  return (status?.loadBalancer?.ingress?.length ?? 0) > 0;
}

process.on('message', (message: FakeApiRequest) => {
  let reply: FakeApiReply;
  try {
    reply = { id: message.id, value: handle(message) };
  } catch (error) {
    reply = { id: message.id, error: String(error) };
  }
  send(reply);
});
process.once('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
send({ id: 0, kubeconfig, url: server.url });
