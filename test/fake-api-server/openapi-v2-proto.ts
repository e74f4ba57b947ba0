import { openApiOperations, type OpenApiOperation } from './openapi-model.ts';

/**
 * client-go reads `/openapi/v2` only as protobuf (gnostic `openapi.v2.Document`), and kubectl
 * 1.27/1.28 refuse to validate without it. This writes the few messages needed by hand: the
 * wire format is small, and a protobuf library would be a dependency for one test document.
 * Field numbers follow gnostic's OpenAPIv2.proto.
 */

type Bytes = Uint8Array;

const FIELD = {
  document: { swagger: 1, info: 2, paths: 8, definitions: 9 },
  info: { title: 1, version: 2 },
  paths: { path: 2 },
  named: { name: 1, value: 2 },
  pathItem: { get: 2, put: 3, post: 4, delete: 5, patch: 8 },
  operation: { operationId: 5, consumes: 7, parameters: 8, responses: 9, vendorExtension: 13 },
  parametersItem: { parameter: 1 },
  parameter: { nonBody: 2 },
  nonBody: { query: 3 },
  query: { in: 2, name: 4, type: 6 },
  responses: { responseCode: 1 },
  responseValue: { response: 1 },
  response: { description: 1 },
  any: { yaml: 2 },
} as const;

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

function lengthDelimited(field: number, payload: Bytes): Bytes {
  return Buffer.concat([
    Buffer.from([...varint((field << 3) | 2), ...varint(payload.length)]),
    payload,
  ]);
}

function text(field: number, value: string): Bytes {
  return lengthDelimited(field, Buffer.from(value, 'utf8'));
}

function message(field: number, parts: readonly Bytes[]): Bytes {
  return lengthDelimited(field, Buffer.concat(parts));
}

function named(field: number, name: string, value: readonly Bytes[]): Bytes {
  return message(field, [text(FIELD.named.name, name), message(FIELD.named.value, value)]);
}

function queryParameter(name: string): Bytes {
  const query = message(FIELD.nonBody.query, [
    text(FIELD.query.in, 'query'),
    text(FIELD.query.name, name),
    text(FIELD.query.type, 'string'),
  ]);
  const parameter = message(FIELD.parameter.nonBody, [query]);
  return message(FIELD.operation.parameters, [
    message(FIELD.parametersItem.parameter, [parameter]),
  ]);
}

function extension(name: string, yaml: string): Bytes {
  return named(FIELD.operation.vendorExtension, name, [text(FIELD.any.yaml, yaml)]);
}

function operationBytes(operation: OpenApiOperation): Bytes[] {
  const ok = named(FIELD.responses.responseCode, '200', [
    message(FIELD.responseValue.response, [text(FIELD.response.description, 'OK')]),
  ]);
  const gvkYaml = `group: "${operation.group}"\nkind: ${operation.kind}\nversion: ${operation.version}\n`;
  return [
    text(FIELD.operation.operationId, `${operation.action}${operation.kind}`),
    ...operation.consumes.map((type) => text(FIELD.operation.consumes, type)),
    ...operation.query.map(queryParameter),
    message(FIELD.operation.responses, [ok]),
    extension('x-kubernetes-action', `${operation.action}\n`),
    extension('x-kubernetes-group-version-kind', gvkYaml),
  ];
}

/** The OpenAPI v2 document as gnostic protobuf: paths and operations, no definitions. */
export function openApiV2Protobuf(gitVersion: string): Uint8Array {
  const byPath = new Map<string, Bytes[]>();
  for (const operation of openApiOperations()) {
    const parts = byPath.get(operation.path) ?? [];
    parts.push(message(FIELD.pathItem[operation.method], operationBytes(operation)));
    byPath.set(operation.path, parts);
  }
  const paths = [...byPath].map(([path, parts]) => named(FIELD.paths.path, path, parts));
  return Buffer.concat([
    text(FIELD.document.swagger, '2.0'),
    message(FIELD.document.info, [
      text(FIELD.info.title, 'Kubernetes'),
      text(FIELD.info.version, gitVersion),
    ]),
    message(FIELD.document.paths, paths),
    message(FIELD.document.definitions, []),
  ]);
}
