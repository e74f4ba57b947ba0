import type { ServerResponse } from 'node:http';
import type { ServerContext } from './context.ts';
import { matchesFields } from './field-selector.ts';
import { omit, type JsonObject } from './json.ts';
import { matchesLabels } from './label-selector.ts';
import { metadataOf, nameOf } from './object-meta.ts';
import { flag, integerOf, selectorsOf } from './query.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';
import { json, statusReply, type Reply } from './respond.ts';
import { failure, notFound } from './status.ts';
import { serveWatch } from './watch.ts';

/** Where a read points. */
export interface ReadTarget {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

/** GET of one object (also `/status`). */
export function getReply(context: ServerContext, target: ReadTarget): Reply {
  const name = target.name ?? '';
  const object = context.store.get(target.type, target.namespace, name);
  return object ? json(200, object) : statusReply(notFound(target.type, name));
}

function continueKey(object: JsonObject): string {
  const namespace = metadataOf(object)['namespace'];
  return `${typeof namespace === 'string' ? namespace : ''}/${nameOf(object)}`;
}

function encodeContinue(object: JsonObject): string {
  return Buffer.from(JSON.stringify({ after: continueKey(object) })).toString('base64url');
}

function decodeContinue(token: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || !('after' in parsed)) return undefined;
    return typeof parsed.after === 'string' ? parsed.after : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GET of a collection (one namespace or all), with label and field selectors and
 * `limit`/`continue` paging (a continuation reads the current state, not a snapshot). Items
 * carry no kind/apiVersion of their own, as in a real list.
 */
export function listReply(
  context: ServerContext,
  target: ReadTarget,
  query: URLSearchParams,
): Reply {
  const selectors = selectorsOf(query, target.type);
  if (!selectors.ok) return statusReply(selectors.status);
  const limit = integerOf(query, 'limit');
  if (typeof limit === 'object') return statusReply(limit);
  const token = query.get('continue') ?? '';
  const after = token === '' ? '' : decodeContinue(token);
  if (after === undefined) return statusReply(failure(400, 'continue key is not valid'));
  let items = context.store
    .list(target.type, target.namespace)
    .filter(
      (object) =>
        matchesLabels(selectors.labels, metadataOf(object)['labels']) &&
        matchesFields(selectors.fields, object) &&
        (after === '' || continueKey(object) > after),
    );
  const metadata: JsonObject = { resourceVersion: String(context.store.revision) };
  if (limit !== undefined && limit > 0 && items.length > limit) {
    metadata['remainingItemCount'] = items.length - limit;
    items = items.slice(0, limit);
    const last = items.at(-1);
    if (last) metadata['continue'] = encodeContinue(last);
  }
  return json(200, {
    kind: `${target.type.kind}List`,
    apiVersion: apiVersionOf(target.type),
    metadata,
    items: items.map((object) => omit(object, ['kind', 'apiVersion'])),
  });
}

/** GET with `watch`: starts streaming (see watch.ts), or returns the Status of a bad request. */
export function startWatch(
  context: ServerContext,
  response: ServerResponse,
  target: ReadTarget,
  query: URLSearchParams,
): Reply | undefined {
  const selectors = selectorsOf(query, target.type);
  if (!selectors.ok) return statusReply(selectors.status);
  const since = integerOf(query, 'resourceVersion');
  if (typeof since === 'object') {
    const given = query.get('resourceVersion') ?? '';
    return statusReply(failure(400, `invalid resource version "${given}"`));
  }
  const timeout = integerOf(query, 'timeoutSeconds');
  if (typeof timeout === 'object') return statusReply(timeout);
  serveWatch(
    response,
    {
      type: target.type,
      namespace: target.namespace,
      name: target.name,
      labels: selectors.labels,
      fields: selectors.fields,
      since: since === 0 ? undefined : since,
      sendInitialEvents: flag(query, 'sendInitialEvents'),
      bookmarks: flag(query, 'allowWatchBookmarks'),
      timeoutSeconds: timeout === undefined || timeout === 0 ? undefined : timeout,
    },
    context.watch,
  );
  return undefined;
}
