import { apiVersionOf, RESOURCE_TYPES, type ResourceType } from './resources.ts';

/** One HTTP operation of the synthetic OpenAPI documents. */
export interface OpenApiOperation {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly path: string;
  readonly action: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Query parameters the operation accepts (kubectl looks for `fieldValidation` on PATCH). */
  readonly query: readonly string[];
  /** Request body media types, for writes. */
  readonly consumes: readonly string[];
}

/** The patch media types the server accepts. */
export const PATCH_MEDIA_TYPES: readonly string[] = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

const WRITE_QUERY = ['dryRun', 'fieldManager', 'fieldValidation'];

function prefixOf(type: ResourceType): string {
  return type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
}

function operationsOf(type: ResourceType): OpenApiOperation[] {
  const scope = type.namespaced ? '/namespaces/{namespace}' : '';
  const collection = `${prefixOf(type)}${scope}/${type.resource}`;
  const item = `${collection}/{name}`;
  const base = { group: type.group, version: type.version, kind: type.kind };
  const json = ['application/json', 'application/yaml'];
  const operations: OpenApiOperation[] = [
    {
      ...base,
      method: 'get',
      path: collection,
      action: 'list',
      query: ['labelSelector', 'fieldSelector', 'watch'],
      consumes: [],
    },
    {
      ...base,
      method: 'post',
      path: collection,
      action: 'post',
      query: WRITE_QUERY,
      consumes: json,
    },
    { ...base, method: 'get', path: item, action: 'get', query: [], consumes: [] },
    { ...base, method: 'put', path: item, action: 'put', query: WRITE_QUERY, consumes: json },
    {
      ...base,
      method: 'patch',
      path: item,
      action: 'patch',
      query: [...WRITE_QUERY, 'force'],
      consumes: PATCH_MEDIA_TYPES,
    },
    { ...base, method: 'delete', path: item, action: 'delete', query: ['dryRun'], consumes: json },
  ];
  if (!type.statusSubresource) return operations;
  const status = `${item}/status`;
  return [
    ...operations,
    { ...base, method: 'get', path: status, action: 'get', query: [], consumes: [] },
    { ...base, method: 'put', path: status, action: 'put', query: WRITE_QUERY, consumes: json },
    {
      ...base,
      method: 'patch',
      path: status,
      action: 'patch',
      query: [...WRITE_QUERY, 'force'],
      consumes: PATCH_MEDIA_TYPES,
    },
  ];
}

/** Every operation of one group/version (all of them when no group/version is given). */
export function openApiOperations(group?: string, version?: string): OpenApiOperation[] {
  return RESOURCE_TYPES.filter(
    (type) => group === undefined || (type.group === group && type.version === version),
  ).flatMap(operationsOf);
}

/** The `apis/<group>/<version>` (or `api/v1`) key of the OpenAPI v3 index for a type. */
export function openApiV3Key(type: ResourceType): string {
  return type.group === '' ? `api/${type.version}` : `apis/${apiVersionOf(type)}`;
}
