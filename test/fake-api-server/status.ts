import type { JsonObject } from './json.ts';
import { qualifiedResource, type ResourceType } from './resources.ts';

/** The `reason` a real API server gives for each status code it can return. */
const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A `meta.k8s.io/v1` Status object (the body of every error answer). */
export interface KubeStatus extends JsonObject {
  kind: 'Status';
  apiVersion: 'v1';
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  code: number;
}

/** A failure `Status` with the usual reason for `code` unless one is given. */
export function failure(
  code: number,
  message: string,
  reason?: string,
  details?: JsonObject,
): KubeStatus {
  const status: KubeStatus = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reason ?? REASONS[code] ?? 'Unknown',
    code,
  };
  if (details) status['details'] = details;
  return status;
}

/** The `details` a real server attaches to errors about one object. */
export function detailsFor(type: ResourceType, name: string): JsonObject {
  return { name, group: type.group, kind: type.resource };
}

/** 404 for a missing object. */
export function notFound(type: ResourceType, name: string): KubeStatus {
  const message = `${qualifiedResource(type)} "${name}" not found`;
  return failure(404, message, 'NotFound', detailsFor(type, name));
}

/** 409 AlreadyExists for a create of a taken name. */
export function alreadyExists(type: ResourceType, name: string): KubeStatus {
  const message = `${qualifiedResource(type)} "${name}" already exists`;
  return failure(409, message, 'AlreadyExists', detailsFor(type, name));
}

/** 409 Conflict for a write with a stale resourceVersion or uid. */
export function conflict(type: ResourceType, name: string, why?: string): KubeStatus {
  const detail =
    why ??
    'the object has been modified; please apply your changes to the latest version and try again';
  const message = `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": ${detail}`;
  return failure(409, message, 'Conflict', detailsFor(type, name));
}

/** 422 Invalid with one cause per bad field. */
export function invalid(
  type: ResourceType,
  name: string,
  causes: readonly { field: string; message: string }[],
): KubeStatus {
  const text = causes.map((cause) => `${cause.field}: ${cause.message}`).join(', ');
  const message = `${type.kind} "${name}" is invalid: ${text}`;
  return failure(422, message, 'Invalid', {
    ...detailsFor(type, name),
    kind: type.kind,
    causes: causes.map((cause) => ({ reason: 'FieldValueInvalid', ...cause })),
  });
}

/** 410 Expired, as a watch or list from a compacted resourceVersion gets. */
export function expired(requested: number, oldest: number): KubeStatus {
  return failure(410, `too old resource version: ${requested} (${oldest})`, 'Expired');
}

/** A Success status, as a delete answers. */
export function success(details: JsonObject): JsonObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}

/** Thrown by the programmatic store API; carries the Status an HTTP client would have seen. */
export class FakeApiError extends Error {
  /** HTTP status code (404, 409, 422, ...). */
  readonly code: number;
  /** The Status `reason` (`NotFound`, `AlreadyExists`, `Conflict`, ...). */
  readonly reason: string;
  readonly status: KubeStatus;

  constructor(status: KubeStatus) {
    super(status.message);
    this.name = 'FakeApiError';
    this.code = status.code;
    this.reason = status.reason;
    this.status = status;
  }
}
