import { createHash } from 'node:crypto';
import type { JsonObject } from './json.ts';
import { openApiOperations, openApiV3Key, type OpenApiOperation } from './openapi-model.ts';
import { RESOURCE_TYPES } from './resources.ts';

function gvk(operation: OpenApiOperation): JsonObject {
  return { group: operation.group, version: operation.version, kind: operation.kind };
}

function v3Operation(operation: OpenApiOperation): JsonObject {
  const result: JsonObject = {
    operationId: `${operation.action}${operation.kind}`,
    parameters: operation.query.map((name) => ({
      name,
      in: 'query',
      schema: { type: 'string' },
      uniqueItems: true,
    })),
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': operation.action,
    'x-kubernetes-group-version-kind': gvk(operation),
  };
  if (operation.consumes.length > 0) {
    const content: JsonObject = {};
    for (const type of operation.consumes) content[type] = { schema: { type: 'object' } };
    result['requestBody'] = { content, required: true };
  }
  return result;
}

function pathParameters(path: string): JsonObject[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1] ?? '',
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

/**
 * The OpenAPI v3 document of one group/version, or `undefined` when none is served. It has
 * paths and operations (with `x-kubernetes-group-version-kind` and the `fieldValidation`
 * parameter, which is what makes kubectl leave validation to the server) but no schemas.
 */
export function openApiV3Document(
  group: string,
  version: string,
  gitVersion: string,
): JsonObject | undefined {
  const operations = openApiOperations(group, version);
  if (operations.length === 0) return undefined;
  const paths: Record<string, JsonObject> = {};
  for (const operation of operations) {
    const item = (paths[operation.path] ??= { parameters: pathParameters(operation.path) });
    item[operation.method] = v3Operation(operation);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: gitVersion },
    paths,
    // kubectl treats a missing components object as an error; an empty one means "no schema".
    components: { schemas: {} },
  };
}

/** A short content hash for the `?hash=` of the v3 index (clients cache by it). */
export function documentHash(document: JsonObject): string {
  return createHash('sha256')
    .update(JSON.stringify(document))
    .digest('hex')
    .slice(0, 32)
    .toUpperCase();
}

/** `GET /openapi/v3`: where each group/version document lives. */
export function openApiV3Index(gitVersion: string): JsonObject {
  const paths: JsonObject = {};
  for (const type of RESOURCE_TYPES) {
    const key = openApiV3Key(type);
    if (paths[key] !== undefined) continue;
    const document = openApiV3Document(type.group, type.version, gitVersion) ?? {};
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${documentHash(document)}` };
  }
  return { paths };
}

function v2Operation(operation: OpenApiOperation): JsonObject {
  const result: JsonObject = {
    operationId: `${operation.action}${operation.kind}`,
    parameters: operation.query.map((name) => ({
      name,
      in: 'query',
      type: 'string',
      uniqueItems: true,
    })),
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': operation.action,
    'x-kubernetes-group-version-kind': gvk(operation),
  };
  if (operation.consumes.length > 0) result['consumes'] = [...operation.consumes];
  return result;
}

/** `GET /openapi/v2` as JSON (kubectl asks for protobuf; see openapi-v2-proto.ts). */
export function openApiV2Document(gitVersion: string): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const operation of openApiOperations()) {
    const item = (paths[operation.path] ??= {});
    item[operation.method] = v2Operation(operation);
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: gitVersion },
    paths,
    definitions: {},
  };
}
