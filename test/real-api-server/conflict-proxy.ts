// An HTTPS proxy in front of the real API server that makes Ingress status writes conflict, as
// they do when another writer changed the Ingress and the watch has not caught up yet.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTestCa } from '../helpers/tls-certificates.ts';

/** A running {@link startConflictProxy}. */
export interface ConflictProxy {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** The CA of the proxy's certificate, for the kubeconfig. */
  readonly caPem: string;
  /** Status writes of Ingress `namespace/name` answered 409 so far. */
  conflicts(namespace: string, name: string): number;
  /** Ingresses read by name (answered 200) so far. */
  readonly rereads: number;
  close(): Promise<void>;
}

const STATUS_WRITE =
  /^\/apis\/networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/ingresses\/([^/?]+)\/status$/;
const INGRESS_READ = /^\/apis\/networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/ingresses\/([^/?]+)$/;

/**
 * Forwards every request to `upstream` as it is, streaming both ways (watches included), except
 * a PUT of an Ingress's status subresource made before that Ingress was read by name through
 * the proxy: that one gets 409 Conflict with the API's Status body. So a status write goes
 * through only after a GET of the Ingress, however often the writer retries from its watch.
 */
export async function startConflictProxy(upstream: {
  readonly url: string;
  readonly caPem: string;
}): Promise<ConflictProxy> {
  const ca = await createTestCa();
  let certificate;
  try {
    certificate = await ca.issue({ dns: ['localhost'], ips: ['127.0.0.1'] });
  } finally {
    await ca.close();
  }
  const reread = new Set<string>();
  const conflicts = new Map<string, number>();
  let rereads = 0;
  const server: Server = createServer(
    { cert: certificate.certPem, key: certificate.keyPem },
    (incoming, outgoing) => {
      const path = incoming.url ?? '/';
      const write = STATUS_WRITE.exec(path);
      if (incoming.method === 'PUT' && write !== null && !reread.has(`${write[1]}/${write[2]}`)) {
        const key = `${write[1]}/${write[2]}`;
        conflicts.set(key, (conflicts.get(key) ?? 0) + 1);
        incoming.resume();
        outgoing.writeHead(409, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify(conflictStatus(write[2] ?? '')));
        return;
      }
      const read = incoming.method === 'GET' ? INGRESS_READ.exec(path) : null;
      const headers = { ...incoming.headers, host: new URL(upstream.url).host };
      const forwarded = request(
        `${upstream.url}${path}`,
        { method: incoming.method, headers, ca: upstream.caPem },
        (answer) => {
          if (read !== null && answer.statusCode === 200) {
            rereads++;
            reread.add(`${read[1]}/${read[2]}`);
          }
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.on('error', () => outgoing.destroy());
      // A watch ends when pointsman hangs up: so does its request upstream.
      outgoing.on('close', () => forwarded.destroy());
      incoming.pipe(forwarded);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${String(port)}`,
    caPem: ca.caPem,
    conflicts: (namespace, name) => conflicts.get(`${namespace}/${name}`) ?? 0,
    get rereads() {
      return rereads;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** The API server's own answer to a stale write. */
function conflictStatus(name: string): object {
  assert.ok(name !== '');
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Operation cannot be fulfilled on ingresses.networking.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    reason: 'Conflict',
    details: { name, group: 'networking.k8s.io', kind: 'ingresses' },
    code: 409,
  };
}
