import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startFakeApi, type FakeApi } from './fake-api.ts';
import { getAnswer, pollSince } from './http.ts';
import { EDITED_PATH, hostOf, targets, type Backends } from './objects.ts';
import type { ScaleOptions } from './options.ts';
import { mib, type ModeFigures } from './report.ts';
import { startSteadyStream, type StreamFigures } from './steady-stream.ts';
import { serveRss, spawnServe, stopServe, untilReady, type Serve, type ServeRss } from './serve.ts';
import { writeEstate } from './yaml-dir.ts';

function rssText(rss: ServeRss): string {
  return `RSS ${mib(rss.treeKiB)} MiB, control plane ${mib(rss.controlPlaneKiB)} MiB`;
}

/**
 * What one measurement needs: options, backends, a scratch directory, a progress printer, and
 * the wrk that runs the steady streams.
 */
export interface Context {
  readonly options: ScaleOptions;
  readonly wrk: string;
  readonly backends: Backends;
  readonly dir: string;
  readonly say: (line: string) => void;
}

const A = 'backend-a';
const B = 'backend-b';

// Applies each change in turn and times it to the moment `path` on its app's host answers
// backend b through the proxy, while a steady stream runs against the untouched app 0.
async function timeChanges(
  context: Context,
  serve: Serve,
  indexes: readonly number[],
  path: string,
  apply: (index: number) => Promise<void> | void,
): Promise<{ times: number[]; stream: StreamFigures }> {
  const { options } = context;
  const limits = {
    timeoutMs: options.liveTimeout * 1000,
    maxPolls: Math.ceil((options.liveTimeout * 1000) / options.pollInterval),
    intervalMs: options.pollInterval,
  };
  const stream = startSteadyStream(context.wrk, serve.httpPort, hostOf(0), options.timeout);
  const times: number[] = [];
  try {
    for (const index of indexes) {
      await delay(options.pause);
      const since = performance.now();
      await apply(index);
      const probe = async (): Promise<boolean> =>
        (await getAnswer(serve.httpPort, hostOf(index), path)).body === B;
      times.push((await pollSince(since, probe, limits)) ?? NaN);
    }
  } catch (error) {
    // No request loop may outlive a failed run.
    await stream.stop();
    throw error;
  }
  const figures = await stream.stop();
  context.say(
    `  ${String(times.length)} changes; steady stream: ${String(figures.requests)} requests, ${String(figures.failures)} failed`,
  );
  return { times, stream: figures };
}

// The steady stream for --rest seconds with no change, through the proxy and then straight to
// backend a: the longest gaps the proxy and the measuring client show on their own, to read the
// stalls during changes against.
async function timeRest(context: Context, serve: Serve): Promise<ModeFigures['rest']> {
  const { options, say } = context;
  if (options.rest === 0) return undefined;
  const stream = async (port: number): Promise<StreamFigures> => {
    const steady = startSteadyStream(context.wrk, port, hostOf(0), options.rest + 10);
    await delay(options.rest * 1000);
    return steady.stop();
  };
  const proxy = await stream(serve.httpPort);
  const direct = await stream(context.backends.a);
  say(
    `  at rest: longest request ${proxy.longestMs.toFixed(1)} ms through the proxy, ${direct.longestMs.toFixed(1)} ms straight to the backend`,
  );
  return { proxy, direct };
}

async function startServe(
  context: Context,
  args: readonly string[],
  log: string,
): Promise<{ serve: Serve; startMs: number }> {
  const serve = await spawnServe(args, join(context.dir, log));
  const startMs = await untilReady(serve, hostOf(0), A, context.options.startTimeout * 1000);
  if (startMs === undefined) {
    await stopServe(serve);
    throw new Error(`pointsman never became ready (log: ${join(context.dir, log)})`);
  }
  return { serve, startMs };
}

/**
 * Kubernetes mode at `count` Ingresses: the fake API server in its own process, loaded
 * directly; one serve with status off for start, RSS, edits and slice changes; then, when
 * asked, a second serve with status on for the time to every Ingress's address.
 */
export async function measureKubernetes(context: Context, count: number): Promise<ModeFigures> {
  const { options, say } = context;
  const dir = join(context.dir, `k8s-${String(count)}`);
  mkdirSync(dir, { recursive: true });
  const api = await startFakeApi(dir, Math.max(60_000, options.liveTimeout * 1000));
  try {
    const loadStart = performance.now();
    const objects = await api.load(count, context.backends);
    say(
      `k8s ${String(count)}: ${String(objects)} objects stored in ${(performance.now() - loadStart).toFixed(0)} ms`,
    );
    const kube = ['--kubeconfig', api.kubeconfig];
    const { serve, startMs } = await startServe(
      context,
      [...kube, '--update-status', 'off'],
      `k8s-${String(count)}.log`,
    );
    let changes: Awaited<ReturnType<typeof timeKubernetesChanges>>;
    try {
      changes = await timeKubernetesChanges(context, serve, startMs, count, api);
    } finally {
      await stopServe(serve);
    }
    const statuses = options.status
      ? await timeStatuses(context, count, kube, () => api.statuses())
      : undefined;
    return {
      mode: 'k8s',
      count,
      startMs,
      ...changes,
      sliceStream: options.slices > 0 ? changes.sliceStream : undefined,
      statuses,
      load: loadavg()[0] ?? 0,
    };
  } finally {
    await api.close();
  }
}

// RSS, then the edits, RSS again, then the EndpointSlice changes, on a ready serve.
async function timeKubernetesChanges(
  context: Context,
  serve: Serve,
  startMs: number,
  count: number,
  api: FakeApi,
): Promise<
  Pick<ModeFigures, 'rssReady' | 'rssAfter' | 'rest' | 'editMs' | 'sliceMs' | 'editStream'> & {
    sliceStream: StreamFigures;
  }
> {
  const { options, say } = context;
  const picked = targets(count, options.edits, options.slices);
  const rssReady = serveRss(serve.pid);
  say(`k8s ${String(count)}: ready in ${startMs.toFixed(0)} ms, ${rssText(rssReady)}`);
  const rest = await timeRest(context, serve);
  const edits = await timeChanges(context, serve, picked.edits, EDITED_PATH, (index) =>
    api.edit(index),
  );
  const rssAfter = serveRss(serve.pid);
  say(`k8s ${String(count)}: edits done, ${rssText(rssAfter)}`);
  const slices = await timeChanges(context, serve, picked.slices, '/', (index) =>
    api.slice(index, context.backends.b),
  );
  return {
    rssReady,
    rssAfter,
    rest,
    editMs: edits.times,
    sliceMs: slices.times,
    editStream: edits.stream,
    sliceStream: slices.stream,
  };
}

// A second serve, status on, publishing 127.0.0.1: seconds from ready until the fake holds an
// address on every Ingress, polled at most every second (a list of N objects costs the fake).
async function timeStatuses(
  context: Context,
  count: number,
  kube: readonly string[],
  statuses: () => Promise<number>,
): Promise<NonNullable<ModeFigures['statuses']>> {
  const args = [...kube, '--update-status', 'on', '--publish-status-address', '127.0.0.1'];
  const { serve } = await startServe(context, args, `k8s-${String(count)}-status.log`);
  try {
    const since = performance.now();
    const timeoutMs = context.options.statusTimeout * 1000;
    const intervalMs = 1000 * Math.max(1, count / 10_000);
    let done = 0;
    const seconds = await pollSince(since, async () => (done = await statuses()) >= count, {
      timeoutMs,
      maxPolls: Math.ceil(timeoutMs / intervalMs) + 1,
      intervalMs,
    });
    context.say(`k8s ${String(count)}: statuses ${String(done)}/${String(count)}`);
    return seconds === undefined
      ? { seconds: context.options.statusTimeout, reached: false, count: done }
      : { seconds: seconds / 1000, reached: true, count: done };
  } finally {
    await stopServe(serve);
  }
}

/** YAML mode at `count` Ingresses: a directory of one file per app; an edit rewrites one file. */
export async function measureYaml(context: Context, count: number): Promise<ModeFigures> {
  const { options, say } = context;
  const dir = join(context.dir, `yaml-${String(count)}`);
  const writeStart = performance.now();
  const estate = writeEstate(dir, count, context.backends, options.yamlLayout);
  say(`yaml ${String(count)}: estate written in ${(performance.now() - writeStart).toFixed(0)} ms`);
  const picked = targets(count, options.edits, options.slices);
  const { serve, startMs } = await startServe(
    context,
    ['--manifests', estate.manifests],
    `yaml-${String(count)}.log`,
  );
  try {
    const rssReady = serveRss(serve.pid);
    say(`yaml ${String(count)}: ready in ${startMs.toFixed(0)} ms, ${rssText(rssReady)}`);
    const rest = await timeRest(context, serve);
    const edits = await timeChanges(context, serve, picked.edits, EDITED_PATH, (index) => {
      estate.edit(index);
    });
    return {
      mode: `yaml (${options.yamlLayout})`,
      count,
      startMs,
      rssReady,
      rssAfter: serveRss(serve.pid),
      rest,
      editMs: edits.times,
      sliceMs: [],
      editStream: edits.stream,
      sliceStream: undefined,
      statuses: undefined,
      load: loadavg()[0] ?? 0,
    };
  } finally {
    await stopServe(serve);
  }
}
