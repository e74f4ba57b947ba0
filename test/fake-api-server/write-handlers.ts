import type { IncomingMessage } from 'node:http';
import { parseBody, readBody, type BodyValue } from './body.ts';
import type { ServerContext } from './context.ts';
import { matchesFields } from './field-selector.ts';
import { childObject, childString, isObject, type JsonObject } from './json.ts';
import { matchesLabels } from './label-selector.ts';
import { metadataOf, nameOf } from './object-meta.ts';
import {
  createObject,
  deleteObject,
  patchObject,
  updateObject,
  type Outcome,
  type PatchType,
  type Preconditions,
  type WriteMode,
} from './operations.ts';
import { dryRunOf, fieldValidationProblem, selectorsOf } from './query.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';
import { json, statusReply, type Reply } from './respond.ts';
import { failure, success, type KubeStatus } from './status.ts';

/** Where a write points. */
export interface WriteTarget {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

const PATCH_TYPES: Readonly<Record<string, PatchType>> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

const OBJECT_TYPES = ['', '*/*', 'application/json', 'application/yaml'];

function mediaType(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

async function bodyOf(context: ServerContext, request: IncomingMessage): Promise<BodyValue> {
  const text = await readBody(request, context.maxBodyBytes);
  return text.ok ? parseBody(text.text, mediaType(request)) : text;
}

/** Query checks common to writes; returns the mode, or the Status to answer. */
function writeMode(
  query: URLSearchParams,
  subresource: string | undefined,
): WriteMode | KubeStatus {
  const dryRun = dryRunOf(query);
  if (typeof dryRun === 'object') return dryRun;
  return fieldValidationProblem(query) ?? { dryRun, direct: false, subresource };
}

function outcomeReply(outcome: Outcome): Reply {
  return outcome.ok ? json(outcome.code, outcome.object) : statusReply(outcome.status);
}

function unsupportedMedia(accepted: readonly string[]): Reply {
  const message = `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`;
  return statusReply(failure(415, message));
}

/** POST (create), PUT (update) and PATCH (all four patch types) of one object. */
export async function writeReply(
  context: ServerContext,
  request: IncomingMessage,
  target: WriteTarget,
  query: URLSearchParams,
): Promise<Reply> {
  const mode = writeMode(query, target.subresource);
  if ('code' in mode) return statusReply(mode);
  const method = request.method ?? '';
  const patchType = PATCH_TYPES[mediaType(request)];
  if (method === 'PATCH' && patchType === undefined)
    return unsupportedMedia(Object.keys(PATCH_TYPES));
  if (method !== 'PATCH' && !OBJECT_TYPES.includes(mediaType(request)))
    return unsupportedMedia(OBJECT_TYPES.slice(2));
  if (patchType === 'apply' && (query.get('fieldManager') ?? '') === '') {
    const message =
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch';
    return statusReply(failure(422, message));
  }
  const parsed = await bodyOf(context, request);
  if (!parsed.ok) return statusReply(parsed.status);
  const { store } = context;
  if (method === 'POST')
    return outcomeReply(createObject(store, target.type, target.namespace, parsed.value, mode));
  if (method === 'PUT')
    return outcomeReply(updateObject(store, target.type, target, parsed.value, mode));
  return outcomeReply(
    patchObject(store, target.type, target, patchType ?? 'merge', parsed.value, mode),
  );
}

function preconditionsOf(options: JsonObject | undefined): Preconditions {
  const preconditions = options ? childObject(options, 'preconditions') : undefined;
  return {
    uid: childString(preconditions, 'uid'),
    resourceVersion: childString(preconditions, 'resourceVersion'),
  };
}

async function deleteOptions(
  context: ServerContext,
  request: IncomingMessage,
  query: URLSearchParams,
): Promise<{ dryRun: boolean; options: JsonObject | undefined } | KubeStatus> {
  const dryRun = dryRunOf(query);
  if (typeof dryRun === 'object') return dryRun;
  const parsed = await bodyOf(context, request);
  if (!parsed.ok) return parsed.status;
  const options = isObject(parsed.value) ? parsed.value : undefined;
  const inBody = options?.['dryRun'];
  return { dryRun: dryRun || (Array.isArray(inBody) && inBody.includes('All')), options };
}

/** DELETE of one object: answers a Success Status, as a real server does for these kinds. */
export async function deleteReply(
  context: ServerContext,
  request: IncomingMessage,
  target: WriteTarget,
  query: URLSearchParams,
): Promise<Reply> {
  const parsed = await deleteOptions(context, request, query);
  if ('code' in parsed) return statusReply(parsed);
  const outcome = deleteObject(
    context.store,
    target.type,
    target,
    preconditionsOf(parsed.options),
    parsed.dryRun,
  );
  if (!outcome.ok) return statusReply(outcome.status);
  const uid = metadataOf(outcome.object)['uid'] ?? '';
  return json(
    200,
    success({
      name: nameOf(outcome.object),
      group: target.type.group,
      kind: target.type.resource,
      uid,
    }),
  );
}

/** DELETE of a collection: deletes every matching object and answers the list of them. */
export async function deleteCollectionReply(
  context: ServerContext,
  request: IncomingMessage,
  target: WriteTarget,
  query: URLSearchParams,
): Promise<Reply> {
  const selectors = selectorsOf(query, target.type);
  if (!selectors.ok) return statusReply(selectors.status);
  const parsed = await deleteOptions(context, request, query);
  if ('code' in parsed) return statusReply(parsed);
  const { store } = context;
  const items: JsonObject[] = [];
  for (const object of store.list(target.type, target.namespace)) {
    if (
      !matchesLabels(selectors.labels, metadataOf(object)['labels']) ||
      !matchesFields(selectors.fields, object)
    )
      continue;
    const namespace = childString(metadataOf(object), 'namespace');
    const outcome = deleteObject(
      store,
      target.type,
      { namespace, name: nameOf(object) },
      {},
      parsed.dryRun,
    );
    if (outcome.ok) items.push(outcome.object);
  }
  return json(200, {
    kind: `${target.type.kind}List`,
    apiVersion: apiVersionOf(target.type),
    metadata: { resourceVersion: String(store.revision) },
    items,
  });
}
