// The fake API server of test/status/status-at-scale.ts, in its own process so that its work
// (watch fan-out, thousands of status writes) does not run on the controller's event loop.
// Driven over the IPC channel of fork(): see ScaleApiRequest.
import { startFakeApiServer } from '../../fake-api-server/index.ts';

/** A request from the parent; every answer is `{id, value}` or `{id, error}`. */
export type ScaleApiRequest =
  | {
      readonly id: number;
      readonly op: 'create';
      readonly from: number;
      readonly count: number;
      /** Every `rejectEvery`-th Ingress gets an invalid host (0: none). */
      readonly rejectEvery: number;
    }
  | { readonly id: number; readonly op: 'edit'; readonly index: number }
  | { readonly id: number; readonly op: 'counts' }
  | { readonly id: number; readonly op: 'clear' };

/** What `counts` answers. */
export interface ScaleCounts {
  readonly ingresses: number;
  readonly withAddress: number;
  readonly events: number;
  /** Since the last `clear`. */
  readonly statusPuts: number;
  readonly eventPosts: number;
  readonly eventPatches: number;
  readonly requests: number;
}

const dir = process.argv[2];
if (dir === undefined || process.send === undefined) {
  throw new Error('api-child.ts is started by test/status/status-at-scale.ts with fork()');
}
const send = process.send.bind(process);
const server = await startFakeApiServer({
  historyLimit: 200_000,
  requestLogLimit: 200_000,
});
const kubeconfig = await server.writeKubeconfig(dir);
server.create('IngressClass', {
  metadata: { name: 'pointsman' },
  spec: { controller: 'pointsman.dev/ingress-controller' },
});

function namespaceOf(index: number): string {
  return `ns-${String(index % 100)}`;
}

function ingressOf(index: number, rejectEvery: number, edited = false): Record<string, unknown> {
  const name = `app-${String(index)}`;
  const rejected = rejectEvery > 0 && index % rejectEvery === rejectEvery - 1;
  const backend = { service: { name, port: { number: 80 } } };
  return {
    metadata: {
      name,
      namespace: namespaceOf(index),
      ...(edited ? { annotations: { 'example.com/edited': 'yes' } } : {}),
    },
    spec: {
      ingressClassName: 'pointsman',
      rules: [
        {
          host: rejected ? `Not_A_Host_${String(index)}` : `${name}.example.com`,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend },
              { path: '/api', pathType: 'Prefix', backend },
            ],
          },
        },
      ],
    },
  };
}

function counts(): ScaleCounts {
  const ingresses = server.list('Ingress');
  let statusPuts = 0;
  let eventPosts = 0;
  let eventPatches = 0;
  for (const request of server.requests) {
    if (request.method === 'PUT' && request.path.endsWith('/status')) statusPuts++;
    if (request.path.includes('/events')) {
      if (request.method === 'POST') eventPosts++;
      if (request.method === 'PATCH') eventPatches++;
    }
  }
  return {
    ingresses: ingresses.length,
    withAddress: ingresses.filter(hasAddress).length,
    events: server.list('Event').length,
    statusPuts,
    eventPosts,
    eventPatches,
    requests: server.requests.length,
  };
}

function hasAddress(object: { readonly [key: string]: unknown }): boolean {
  const status = object['status'] as { loadBalancer?: { ingress?: unknown[] } } | undefined;
  return (status?.loadBalancer?.ingress?.length ?? 0) > 0;
}

function handle(request: ScaleApiRequest): unknown {
  switch (request.op) {
    case 'create': {
      for (let index = request.from; index < request.from + request.count; index++) {
        const name = `app-${String(index)}`;
        const namespace = namespaceOf(index);
        server.create('Service', {
          metadata: { name, namespace },
          spec: { ports: [{ port: 80 }] },
        });
        server.create('Ingress', ingressOf(index, request.rejectEvery));
      }
      return request.count;
    }
    case 'edit': {
      const ref = { namespace: namespaceOf(request.index), name: `app-${String(request.index)}` };
      const current = server.get('Ingress', ref);
      if (current === undefined) throw new Error(`no Ingress ${ref.name}`);
      const edited = ingressOf(request.index, 0, true);
      server.update('Ingress', {
        ...current,
        metadata: { ...(current['metadata'] as object), ...(edited['metadata'] as object) },
      });
      return 1;
    }
    case 'counts':
      return counts();
    case 'clear':
      server.clearRequests();
      return 0;
  }
}

process.on('message', (message: ScaleApiRequest) => {
  try {
    send({ id: message.id, value: handle(message) });
  } catch (error) {
    send({ id: message.id, error: String(error) });
  }
});
process.once('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
send({ id: 0, value: kubeconfig });
