import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/objects/index.ts';
import {
  connectKubeApi,
  type KubeApi,
  type ReflectorHandler,
  type ReflectorTiming,
} from '../../src/sources/kubernetes/index.ts';
import {
  startFakeApiServer,
  type FakeApiServer,
  type FakeApiServerOptions,
} from '../fake-api-server/index.ts';

export { capturingLogger, type LogLine } from '../helpers/capturing-logger.ts';

/** Timings small enough for tests: failures retried within milliseconds. */
export const FAST_TIMING: ReflectorTiming = {
  watchTimeoutSeconds: 30,
  inactivityMs: 2_000,
  listTimeoutMs: 2_000,
  backoff: { initialMs: 5, maxMs: 50 },
};

/** A fake API server, a kubeconfig for it, and the client-node API over that kubeconfig. */
export interface ApiFixture {
  readonly server: FakeApiServer;
  readonly api: KubeApi;
  readonly dir: string;
  readonly kubeconfig: string;
  close(): Promise<void>;
}

/** Starts a fake API server and connects the client-node adapter to it. */
export async function startApi(options: FakeApiServerOptions = {}): Promise<ApiFixture> {
  const server = await startFakeApiServer(options);
  const dir = await mkdtemp(join(tmpdir(), 'pointsman-kube-'));
  const kubeconfig = await server.writeKubeconfig(dir);
  const api = await connectKubeApi({ mode: 'kubeconfig', path: kubeconfig });
  return {
    server,
    api,
    dir,
    kubeconfig,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A reflector handler that records what it got and keeps the resulting set by name. */
export function recordingHandler(): ReflectorHandler & {
  readonly objects: Map<string, KubeObject>;
  readonly calls: string[];
  readonly lists: (readonly KubeObject[])[];
} {
  const objects = new Map<string, KubeObject>();
  const calls: string[] = [];
  const lists: (readonly KubeObject[])[] = [];
  return {
    objects,
    calls,
    lists,
    replace(items) {
      lists.push(items);
      calls.push(`LIST ${items.map((item) => item.metadata.name).join(',')}`);
      objects.clear();
      for (const item of items) objects.set(item.metadata.name, item);
    },
    apply(type, object) {
      calls.push(`${type} ${object.metadata.name}`);
      if (type === 'DELETED') objects.delete(object.metadata.name);
      else objects.set(object.metadata.name, object);
    },
  };
}

/** A Service body for the fake. */
export function serviceBody(name: string, port = 80, namespace = 'default'): object {
  return { metadata: { name, namespace }, spec: { ports: [{ name: 'http', port }] } };
}

export { until } from '../helpers/until.ts';
