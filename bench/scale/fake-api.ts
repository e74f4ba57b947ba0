import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { killOnExit } from '../proxy/children.ts';
import type { FakeApiReply, FakeApiRequest } from './fake-api-child.ts';
import type { Backends } from './objects.ts';

type Request = FakeApiRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** The fake API server process: its kubeconfig and the operations the benchmark needs. */
export interface FakeApi {
  readonly kubeconfig: string;
  readonly pid: number;
  /** Stores the IngressClass, the `alt` Services and `count` apps; resolves with the objects made. */
  load(count: number, backends: Backends): Promise<number>;
  /** Moves app `index`'s `/api` path to the `alt` Service (one Ingress update). */
  edit(index: number): Promise<void>;
  /** Points app `index`'s EndpointSlice at 127.0.0.1:`port` (one EndpointSlice update). */
  slice(index: number, port: number): Promise<void>;
  /** How many Ingresses have an address in status.loadBalancer. */
  statuses(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Forks bench/scale/fake-api-child.ts (kubeconfig written to `dir`) and waits at most
 * `timeoutMs` for it to listen; every later request is bounded by `timeoutMs` too.
 */
export async function startFakeApi(dir: string, timeoutMs: number): Promise<FakeApi> {
  const child = fork(join(import.meta.dirname, 'fake-api-child.ts'), [dir], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--max-old-space-size=4096'],
  });
  killOnExit(child.pid ?? 0);
  const pending = new Map<number, (reply: FakeApiReply) => void>();
  let first: ((reply: { kubeconfig?: string }) => void) | undefined;
  child.on('message', (message: FakeApiReply & { kubeconfig?: string }) => {
    if (message.id === 0) first?.(message);
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  const started = await bounded(
    new Promise<{ kubeconfig?: string }>((resolve) => (first = resolve)),
    child,
    timeoutMs,
    'the fake API server to start',
  );
  if (started.kubeconfig === undefined) throw new Error('the fake API server sent no kubeconfig');
  let nextId = 1;
  const call = async (request: Request): Promise<number> => {
    const id = nextId++;
    const reply = await bounded(
      new Promise<FakeApiReply>((resolve) => {
        pending.set(id, resolve);
        child.send({ ...request, id });
      }),
      child,
      timeoutMs,
      `the fake API server (${request.op})`,
    );
    if (reply.error !== undefined) throw new Error(`fake API server: ${reply.error}`);
    return reply.value ?? 0;
  };
  return {
    kubeconfig: started.kubeconfig,
    pid: child.pid ?? 0,
    load: (count, backends) => call({ op: 'load', count, backends }),
    edit: async (index) => {
      await call({ op: 'edit', index });
    },
    slice: async (index, port) => {
      await call({ op: 'slice', index, port });
    },
    statuses: () => call({ op: 'statuses' }),
    close: () => stop(child),
  };
}

// `promise`, or a rejection when `child` exits or `timeoutMs` passes first.
async function bounded<T>(
  promise: Promise<T>,
  child: ChildProcess,
  timeoutMs: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onExit: (() => void) | undefined;
  const failure = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`));
    }, timeoutMs);
    onExit = () => {
      reject(new Error(`the fake API server exited while waiting for ${what}`));
    };
    child.once('exit', onExit);
  });
  try {
    return await Promise.race([promise, failure]);
  } finally {
    clearTimeout(timer);
    if (onExit !== undefined) child.off('exit', onExit);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
