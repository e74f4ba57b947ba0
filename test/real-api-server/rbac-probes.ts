// What a test can see of one `pointsman serve` and of the API server: readiness, leadership,
// the status page's view of an object, refusals in the log, addresses, Events.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { send } from '../helpers/http-client.ts';
import type { ControllerProcess } from '../kubernetes/controller-process.ts';
import type { RealApiServer } from './server.ts';

/** How long a sign that should come is waited for (the CPU is shared with other tests). */
export const SIGN_MS = 15_000;

/** Polls `read` every 20 ms until `condition` holds of its value; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T> | T,
  condition: (value: T) => boolean,
  timeoutMs = SIGN_MS,
): Promise<T> {
  // The monotonic clock: a wall clock that jumps (seen in CI) must not end or stretch a wait.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (condition(value)) return value;
    assert.ok(
      performance.now() < deadline,
      `timed out after ${String(timeoutMs)} ms waiting for ${what}`,
    );
    await delay(20);
  }
}

/** Polls `read` for `ms` and fails the first time `condition` does not hold. */
export async function holdsFor<T>(
  what: string,
  read: () => Promise<T>,
  condition: (value: T) => boolean,
  ms: number,
): Promise<void> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const value = await read();
    assert.ok(condition(value), `${what} stopped holding: ${JSON.stringify(value)}`);
    await delay(50);
  }
}

/** The HTTP status of /readyz on the admin port. */
export async function readyz(pointsman: ControllerProcess): Promise<number> {
  return (await send(pointsman.adminPort, { path: '/readyz' })).status;
}

/** `pointsman_leader` on /metrics: '1', '0' or 'missing'. */
export async function leaderGauge(pointsman: ControllerProcess): Promise<string> {
  const reply = await send(pointsman.adminPort, { path: '/metrics' });
  return /^pointsman_leader (\d)$/m.exec(reply.body)?.[1] ?? 'missing';
}

/**
 * Waits until `times` log lines report an HTTP 403 from the API server with text that matches
 * `about` (a path, a kind, a method): the sign that RBAC refused that request (again).
 */
export async function forbiddenLogged(
  pointsman: ControllerProcess,
  about: RegExp,
  times = 1,
): Promise<void> {
  await waitFor(
    `${String(times)} 403 about ${String(about)} in the log`,
    () =>
      pointsman.logs.filter((entry) => {
        const text = JSON.stringify(entry);
        return /\b403\b|[Ff]orbidden/.test(text) && about.test(text);
      }).length,
    (count) => count >= times,
  );
}

/** The port of the status page (its /api/ views), from the log. */
function statusPort(pointsman: ControllerProcess): number {
  const line = pointsman.logs.find((entry) => entry['msg'] === 'status page listening');
  assert.ok(line !== undefined, 'the status page has not started');
  return line['port'] as number;
}

/** One object as the status page's /api/objects shows it (undefined: pointsman has not seen it). */
export interface ObjectRow {
  readonly state: string;
  readonly problems: readonly string[];
}

/** pointsman's own view of one object (kind, namespace/name), from /api/objects. */
export async function objectRow(
  pointsman: ControllerProcess,
  kind: string,
  namespace: string,
  name: string,
): Promise<ObjectRow | undefined> {
  const query = encodeURIComponent(`${namespace}/${name}`);
  const reply = await send(statusPort(pointsman), {
    path: `/api/objects?state=all&q=${query}&pageSize=500`,
    // The status listener answers only requests named for an IP address or localhost.
    headers: { host: '127.0.0.1' },
  });
  assert.equal(reply.status, 200, reply.body);
  const rows = (JSON.parse(reply.body) as { rows?: Record<string, unknown>[] }).rows ?? [];
  const row = rows.find(
    (item) => item['kind'] === kind && item['namespace'] === namespace && item['name'] === name,
  );
  if (row === undefined) return undefined;
  const problems = (row['problems'] as { code: string }[] | undefined) ?? [];
  return { state: String(row['state']), problems: problems.map((problem) => problem.code) };
}

/** `status.loadBalancer.ingress` of an Ingress, read as the admin. */
export async function addressOf(
  server: RealApiServer,
  namespace: string,
  name: string,
): Promise<unknown> {
  const reply = await server.request(
    'GET',
    `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/${name}`,
  );
  assert.equal(reply.status, 200, JSON.stringify(reply));
  const status = (reply.body as { status?: { loadBalancer?: { ingress?: unknown } } }).status;
  return status?.loadBalancer?.ingress;
}

/** An Event as stored. */
export interface StoredEvent {
  readonly type: string;
  readonly reason: string;
  readonly count: number;
}

/** The Events about the object `name` in `namespace`, read as the admin. */
export async function eventsAbout(
  server: RealApiServer,
  namespace: string,
  name: string,
): Promise<StoredEvent[]> {
  const reply = await server.request('GET', `/api/v1/namespaces/${namespace}/events`);
  assert.equal(reply.status, 200, JSON.stringify(reply));
  const items = (reply.body as { items: Record<string, unknown>[] }).items;
  return items
    .filter((event) => (event['involvedObject'] as { name?: string }).name === name)
    .map((event) => ({
      type: String(event['type']),
      reason: String(event['reason']),
      count: Number(event['count']),
    }));
}
