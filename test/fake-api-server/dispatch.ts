import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from './context.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import type { JsonObject } from './json.ts';
import { openApiV2Document, openApiV3Document, openApiV3Index } from './openapi.ts';
import { openApiV2Protobuf } from './openapi-v2-proto.ts';
import { flag } from './query.ts';
import { getReply, listReply, startWatch } from './read-handlers.ts';
import { json, statusReply, type Reply } from './respond.ts';
import type { Route } from './route.ts';
import { failure } from './status.ts';
import { deleteCollectionReply, deleteReply, writeReply } from './write-handlers.ts';

type ResourceRoute = Extract<Route, { kind: 'resource' }>;

const NOT_FOUND = statusReply(failure(404, 'the server could not find the requested resource'));

const PROTOBUF_V2 = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

function found(body: JsonObject | undefined): Reply {
  return body ? json(200, body) : NOT_FOUND;
}

function methodNotAllowed(method: string): Reply {
  return statusReply(failure(405, `the server does not allow method ${method} here`));
}

async function resourceReply(
  context: ServerContext,
  request: IncomingMessage,
  response: ServerResponse,
  route: ResourceRoute,
  query: URLSearchParams,
): Promise<Reply | undefined> {
  const method = request.method ?? 'GET';
  const target = {
    type: route.type,
    namespace: route.namespace,
    name: route.name,
    subresource: route.subresource,
  };
  const named = route.name !== undefined;
  if (method === 'GET') {
    if (route.watchPrefix || flag(query, 'watch'))
      return startWatch(context, response, target, query);
    return named ? getReply(context, target) : listReply(context, target, query);
  }
  // Namespaced kinds are created in a namespace, never at the all-namespaces path.
  const creatable = !named && (!route.type.namespaced || route.namespace !== undefined);
  if ((method === 'POST' && creatable) || ((method === 'PUT' || method === 'PATCH') && named)) {
    return writeReply(context, request, target, query);
  }
  if (method === 'DELETE' && route.subresource === undefined) {
    return named
      ? deleteReply(context, request, target, query)
      : deleteCollectionReply(context, request, target, query);
  }
  return methodNotAllowed(method);
}

function wantsProtobuf(request: IncomingMessage): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('protobuf') && !accept.includes('application/json');
}

function metaReply(context: ServerContext, request: IncomingMessage, route: Route): Reply {
  const gitVersion = `v1.${context.minorVersion}.0`;
  switch (route.kind) {
    case 'version':
      return json(200, versionInfo(context.minorVersion));
    case 'health':
      return { code: 200, bytes: Buffer.from('ok'), contentType: 'text/plain; charset=utf-8' };
    case 'api':
      return json(200, apiVersions(context.address()));
    case 'apis':
      return json(200, apiGroupList());
    case 'group':
      return found(apiGroup(route.group));
    case 'group-version':
      return found(apiResourceList(route.group, route.version));
    case 'openapi-v3':
      return json(200, openApiV3Index(gitVersion));
    case 'openapi-v3-doc':
      return found(openApiV3Document(route.group, route.version, gitVersion));
    case 'openapi-v2':
      if (!wantsProtobuf(request)) return json(200, openApiV2Document(gitVersion));
      return { code: 200, bytes: openApiV2Protobuf(gitVersion), contentType: PROTOBUF_V2 };
    case 'resource':
    case 'unknown':
      return NOT_FOUND;
  }
}

/**
 * The reply to one request, by its route; `undefined` when a watch took over the response.
 * Discovery always answers the plain (unaggregated) format as `application/json`, which clients
 * asking for aggregated discovery accept as a fallback.
 */
export async function dispatch(
  context: ServerContext,
  request: IncomingMessage,
  response: ServerResponse,
  route: Route,
  query: URLSearchParams,
): Promise<Reply | undefined> {
  if (route.kind === 'resource') return resourceReply(context, request, response, route, query);
  if (request.method !== 'GET' && route.kind !== 'unknown')
    return methodNotAllowed(request.method ?? '');
  return metaReply(context, request, route);
}
