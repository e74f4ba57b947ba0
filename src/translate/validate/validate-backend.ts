import type { BackendSpec } from '../ingress-spec.ts';
import {
  isRecord,
  own,
  quote,
  readRecord,
  readString,
  report,
  wrongType,
  type JsonRecord,
  type ProblemSink,
} from './json-fields.ts';
import {
  dns1123LabelError,
  dns1123SubdomainError,
  pathSegmentNameError,
  portNameError,
} from './names.ts';

/**
 * Applies the API server's rules to an IngressBackend (`spec.defaultBackend` or a path's
 * `backend`): exactly one of `service` and `resource`; a Service name that is a DNS-1123 label;
 * exactly one of `port.name` (an IANA service name) and `port.number` (1 to 65535); a resource
 * with a kind and a name. Returns the typed backend, or null when a problem was recorded.
 */
export function validateBackend(
  value: unknown,
  field: string,
  sink: ProblemSink,
): BackendSpec | null {
  let backend: JsonRecord = {};
  if (isRecord(value)) {
    backend = value;
  } else if (value !== undefined && value !== null) {
    wrongType(sink, field, 'an object', value);
    return null;
  }
  const before = sink.length;
  const service = readRecord(backend, 'service', `${field}.service`, sink);
  const resource = readRecord(backend, 'resource', `${field}.resource`, sink);
  if (service === undefined || resource === undefined) return null;
  if (service && resource) {
    report(sink, 'InvalidBackend', field, 'cannot set both resource and service backends');
    return null;
  }
  if (service) return checked(validateService(service, field, sink), sink, before);
  if (resource) return checked(validateResource(resource, `${field}.resource`, sink), sink, before);
  report(sink, 'InvalidBackend', field, 'resource or service backend is required');
  return null;
}

function checked(spec: BackendSpec, sink: ProblemSink, before: number): BackendSpec | null {
  return sink.length === before ? spec : null;
}

/** `backendField` is the backend's own field, which the API server blames for a port problem. */
function validateService(
  service: JsonRecord,
  backendField: string,
  sink: ProblemSink,
): BackendSpec {
  const field = `${backendField}.service`;
  const name = readString(service, 'name', `${field}.name`, sink);
  if (name === null || name === '') {
    report(sink, 'InvalidServiceName', `${field}.name`, 'service name is required');
  } else if (name !== undefined) {
    // A DNS-1123 label, so `1abc` is valid: Kubernetes 1.36 turns RelaxedServiceNameValidation
    // on by default (beta), which lets Services have such names and Ingresses name them.
    // Clusters before 1.36 want a DNS-1035 label (a letter first) instead.
    const error = dns1123LabelError(name);
    if (error !== null) {
      report(sink, 'InvalidServiceName', `${field}.name`, `${quote(name)}: ${error}`);
    }
  }
  const port = validatePort(service, `${field}.port`, backendField, sink);
  return { type: 'service', name: name ?? '', port: port ?? 0 };
}

/**
 * Both and neither of name and number are blamed on `backendField`, as the API server blames
 * them (it reports these two on the backend, and a bad name or number on the port's field).
 */
function validatePort(
  service: JsonRecord,
  field: string,
  backendField: string,
  sink: ProblemSink,
): number | string | null {
  const port = readRecord(service, 'port', field, sink);
  if (port === undefined) return null;
  const name = port ? readString(port, 'name', `${field}.name`, sink) : null;
  const number = port ? readPortNumber(port, `${field}.number`, sink) : null;
  if (name === undefined || number === undefined) return null;
  // As in the API server, an empty name and a zero number both count as unset.
  const hasName = name !== null && name !== '';
  const hasNumber = number !== null && number !== 0;
  if (hasName && hasNumber) {
    report(sink, 'InvalidServicePort', backendField, 'cannot set both port name & port number');
  } else if (hasName) {
    const error = portNameError(name);
    if (error === null) return name;
    report(sink, 'InvalidServicePort', `${field}.name`, `${quote(name)}: ${error}`);
  } else if (hasNumber) {
    if (number >= 1 && number <= 65535) return number;
    report(
      sink,
      'InvalidServicePort',
      `${field}.number`,
      `${number}: must be between 1 and 65535, inclusive`,
    );
  } else {
    report(sink, 'InvalidServicePort', backendField, 'port name or number is required');
  }
  return null;
}

function readPortNumber(
  port: JsonRecord,
  field: string,
  sink: ProblemSink,
): number | null | undefined {
  const value = own(port, 'number');
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  wrongType(sink, field, 'an integer', value);
  return undefined;
}

function validateResource(resource: JsonRecord, field: string, sink: ProblemSink): BackendSpec {
  const apiGroup = readString(resource, 'apiGroup', `${field}.apiGroup`, sink);
  // A given apiGroup, even an empty one, must be a DNS subdomain; only an absent one is allowed.
  if (typeof apiGroup === 'string') {
    const error = dns1123SubdomainError(apiGroup);
    if (error !== null) {
      report(sink, 'InvalidBackend', `${field}.apiGroup`, `${quote(apiGroup)}: ${error}`);
    }
  }
  const kind = readSegment(resource, 'kind', `${field}.kind`, sink);
  const name = readSegment(resource, 'name', `${field}.name`, sink);
  return { type: 'resource', apiGroup: apiGroup ?? '', kind, name };
}

function readSegment(resource: JsonRecord, key: string, field: string, sink: ProblemSink): string {
  const value = readString(resource, key, field, sink);
  if (value === undefined) return '';
  if (value === null || value === '') {
    report(sink, 'InvalidBackend', field, `${key} is required`);
    return '';
  }
  const error = pathSegmentNameError(value);
  if (error !== null) report(sink, 'InvalidBackend', field, `${quote(value)}: ${error}`);
  return value;
}
