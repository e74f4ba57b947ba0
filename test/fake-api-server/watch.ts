import type { ServerResponse } from 'node:http';
import { matchesFields, type FieldRequirement } from './field-selector.ts';
import type { JsonObject } from './json.ts';
import { matchesLabels, type LabelRequirement } from './label-selector.ts';
import { metadataOf, nameOf } from './object-meta.ts';
import { apiVersionOf, resourceKey, type ResourceType } from './resources.ts';
import { expired } from './status.ts';
import type { ObjectStore, StoreEvent } from './store.ts';

/** What one watch asks for. */
export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  /** Set when watching one object by URL. */
  readonly name: string | undefined;
  readonly labels: readonly LabelRequirement[];
  readonly fields: readonly FieldRequirement[];
  /** The `resourceVersion` parameter parsed: `undefined` for empty or `0`. */
  readonly since: number | undefined;
  readonly sendInitialEvents: boolean;
  readonly bookmarks: boolean;
  readonly timeoutSeconds: number | undefined;
}

/** What watches share with the server. */
export interface WatchEnvironment {
  readonly store: ObjectStore;
  readonly bookmarkIntervalMs: number;
  /** A watcher that lets more than this many bytes pile up unread is cut off. */
  readonly maxBufferedBytes: number;
  /** Open watch responses, for `dropWatches()`. */
  readonly active: Set<ServerResponse>;
}

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

type Sender = (type: WatchEventType, object: JsonObject) => void;

function namespaceOf(object: JsonObject): string | undefined {
  const namespace = metadataOf(object)['namespace'];
  return typeof namespace === 'string' ? namespace : undefined;
}

function matcher(request: WatchRequest): (object: JsonObject) => boolean {
  return (object) =>
    (request.namespace === undefined || namespaceOf(object) === request.namespace) &&
    (request.name === undefined || nameOf(object) === request.name) &&
    matchesLabels(request.labels, metadataOf(object)['labels']) &&
    matchesFields(request.fields, object);
}

/**
 * The event a watcher sees for a change, given its filter: an object that starts matching is
 * ADDED, one that stops matching is DELETED, as on a real server.
 */
function translate(
  event: StoreEvent,
  matches: (object: JsonObject) => boolean,
): WatchEventType | undefined {
  const now = matches(event.object);
  if (event.type !== 'MODIFIED') return now ? event.type : undefined;
  const before = event.previous !== undefined && matches(event.previous);
  if (before && now) return 'MODIFIED';
  if (before) return 'DELETED';
  return now ? 'ADDED' : undefined;
}

function bookmark(type: ResourceType, revision: number, initialEventsEnd: boolean): JsonObject {
  const metadata: JsonObject = { resourceVersion: String(revision) };
  if (initialEventsEnd) metadata['annotations'] = { 'k8s.io/initial-events-end': 'true' };
  return { kind: type.kind, apiVersion: apiVersionOf(type), metadata };
}

function writer(
  response: ServerResponse,
  limit: number,
): (type: WatchEventType, object: JsonObject) => void {
  return (type, object) => {
    if (response.destroyed) return;
    response.write(`${JSON.stringify({ type, object })}\n`);
    // A watcher that does not read is cut off rather than buffered without bound.
    if (response.writableLength > limit) response.destroy();
  };
}

function sendBacklog(
  request: WatchRequest,
  store: ObjectStore,
  send: Sender,
  deliver: (event: StoreEvent) => void,
): void {
  if (request.since !== undefined && !request.sendInitialEvents) {
    for (const event of store.changesAfter(request.since)) deliver(event);
    return;
  }
  const matches = matcher(request);
  for (const object of store.list(request.type, request.namespace)) {
    if (matches(object)) send('ADDED', object);
  }
  if (request.sendInitialEvents && request.bookmarks) {
    send('BOOKMARK', bookmark(request.type, store.revision, true));
  }
}

function startTimers(
  request: WatchRequest,
  response: ServerResponse,
  send: Sender,
  environment: WatchEnvironment,
): NodeJS.Timeout[] {
  const timers: NodeJS.Timeout[] = [];
  if (request.bookmarks) {
    const tick = (): void => {
      send('BOOKMARK', bookmark(request.type, environment.store.revision, false));
    };
    timers.push(setInterval(tick, environment.bookmarkIntervalMs));
  }
  if (request.timeoutSeconds !== undefined) {
    const end = (): void => {
      response.end();
    };
    timers.push(setTimeout(end, request.timeoutSeconds * 1000));
  }
  return timers;
}

/**
 * Serves a watch: 200 with headers flushed at once, then one `{"type","object"}` JSON per
 * line. From a resourceVersion: the retained changes after it, then live ones (an `ERROR` 410
 * when it is older than the history). Without one (or `0`, or with `sendInitialEvents`): ADDED
 * for the current objects, then live. Subscribing and replaying happen in one tick, so no
 * change falls between them.
 */
export function serveWatch(
  response: ServerResponse,
  request: WatchRequest,
  environment: WatchEnvironment,
): void {
  const { store } = environment;
  response.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
  });
  response.flushHeaders();
  const send = writer(response, environment.maxBufferedBytes);
  if (request.since !== undefined && request.since < store.compactedRevision) {
    send('ERROR', expired(request.since, store.compactedRevision));
    response.end();
    return;
  }
  const matches = matcher(request);
  const key = resourceKey(request.type);
  const deliver = (event: StoreEvent): void => {
    if (resourceKey(event.resource) !== key) return;
    const type = translate(event, matches);
    if (type) send(type, event.object);
  };
  environment.active.add(response);
  const unsubscribe = store.subscribe(deliver);
  sendBacklog(request, store, send, deliver);
  const timers = startTimers(request, response, send, environment);
  response.once('close', () => {
    for (const timer of timers) clearTimeout(timer);
    unsubscribe();
    environment.active.delete(response);
  });
}
