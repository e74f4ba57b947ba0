import type { JsonObject } from './json.ts';
import { servedGroups, typesOf, type ResourceType } from './resources.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** `GET /version` for a server reporting Kubernetes `1.<minor>.0`. */
export function versionInfo(minor: number): JsonObject {
  return {
    major: '1',
    minor: String(minor),
    gitVersion: `v1.${minor}.0`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-01-01T00:00:00Z',
    goVersion: 'go1.22.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** `GET /api`: the core group's versions. */
export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(group: string): JsonObject {
  const versions = servedGroups()
    .filter((served) => served.group === group)
    .map((served) => ({ groupVersion: `${group}/${served.version}`, version: served.version }));
  const preferred = versions[0] ?? { groupVersion: `${group}/v1`, version: 'v1' };
  return { name: group, versions, preferredVersion: preferred };
}

/** `GET /apis`: every named group. */
export function apiGroupList(): JsonObject {
  const groups = [...new Set(servedGroups().map((served) => served.group))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupEntry) };
}

/** `GET /apis/<group>`, or `undefined` when the group is not served. */
export function apiGroup(group: string): JsonObject | undefined {
  if (!servedGroups().some((served) => served.group === group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group) };
}

function resourceEntries(type: ResourceType): JsonObject[] {
  const main: JsonObject = {
    name: type.resource,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: VERBS,
  };
  if (type.shortNames.length > 0) main['shortNames'] = [...type.shortNames];
  if (!type.statusSubresource) return [main];
  const status: JsonObject = {
    name: `${type.resource}/status`,
    singularName: '',
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: ['get', 'patch', 'update'],
  };
  return [main, status];
}

/** `GET /api/v1` or `/apis/<group>/<version>`, or `undefined` when not served. */
export function apiResourceList(group: string, version: string): JsonObject | undefined {
  const types = typesOf(group, version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: types.flatMap(resourceEntries),
  };
}
