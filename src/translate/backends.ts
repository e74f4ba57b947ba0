import type { Backend, BackendProblem, BackendProtocol, Endpoint } from '../ir/index.ts';
import type { BackendSpec } from './ingress-spec.ts';
import type { ServiceView, SliceView } from './services.ts';

/** Services and EndpointSlices indexed for backend resolution. */
export interface ServiceIndex {
  /** By `namespace/name`; null marks a Service that exists but is malformed. */
  readonly services: ReadonlyMap<string, ServiceView | null>;
  /** By `namespace/service-name`. */
  readonly slices: ReadonlyMap<string, readonly SliceView[]>;
}

/** The id a backend gets in the route table; the protocol is part of it unless it is HTTP. */
export function backendId(
  namespace: string,
  backend: BackendSpec,
  protocol: BackendProtocol = 'HTTP',
): string {
  const id =
    backend.type === 'service'
      ? `${namespace}/${backend.name}:${String(backend.port)}`
      : `${namespace}/resource:${backend.kind}/${backend.name}`;
  return protocol === 'HTTP' ? id : `${id}@${protocol}`;
}

/**
 * Resolves an Ingress backend to its ready endpoints: the Service in the Ingress's namespace,
 * its port by number or name, then the port of the same name in the Service's EndpointSlices,
 * and the endpoints whose `ready` condition is not false. Anything missing keeps the backend
 * (so its routes answer 503) with the reason attached. `protocol` is how its endpoints are
 * reached (the Ingress's backend-protocol annotation).
 */
export function resolveBackend(
  namespace: string,
  spec: BackendSpec,
  index: ServiceIndex,
  protocol: BackendProtocol = 'HTTP',
): Backend {
  const id = backendId(namespace, spec, protocol);
  if (spec.type === 'resource') {
    return broken(id, namespace, '', '', {
      code: 'UnsupportedBackend',
      message: `resource backend ${spec.kind}/${spec.name} is not supported; only Service backends are`,
    });
  }
  const base = {
    id,
    namespace,
    service: spec.name,
    port: spec.port,
    ...(protocol === 'HTTP' ? {} : { protocol }),
  };
  const key = `${namespace}/${spec.name}`;
  const service = index.services.get(key);
  const where = `Service ${key}`;
  if (service === undefined) {
    return { ...base, endpoints: [], problem: problem('ServiceNotFound', `${where} not found`) };
  }
  if (service === null) {
    return { ...base, endpoints: [], problem: problem('InvalidService', `${where} is malformed`) };
  }
  if (service.type === 'ExternalName') {
    const message = `${where} is of type ExternalName, which is not supported`;
    return { ...base, endpoints: [], problem: problem('UnsupportedServiceType', message) };
  }
  const port = service.ports.find((candidate) =>
    typeof spec.port === 'number' ? candidate.port === spec.port : candidate.name === spec.port,
  );
  if (!port) {
    const message = `${where} has no port ${typeof spec.port === 'number' ? String(spec.port) : `named "${spec.port}"`}`;
    return { ...base, endpoints: [], problem: problem('ServicePortNotFound', message) };
  }
  const endpoints = readyEndpoints(index.slices.get(key) ?? [], port.name);
  if (endpoints.length === 0) {
    const message = `${where} port ${String(spec.port)} has no ready endpoints`;
    return { ...base, endpoints, problem: problem('NoReadyEndpoints', message) };
  }
  return { ...base, endpoints, problem: null };
}

function readyEndpoints(slices: readonly SliceView[], portName: string): Endpoint[] {
  const seen = new Map<string, Endpoint>();
  for (const slice of slices) {
    const port = slice.ports.get(portName);
    if (port === undefined) continue;
    for (const { address, ready } of slice.addresses) {
      if (ready) seen.set(`${address}|${String(port)}`, { address, port });
    }
  }
  return [...seen.values()].sort((a, b) =>
    a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1,
  );
}

function problem(code: BackendProblem['code'], message: string): BackendProblem {
  return { code, message };
}

function broken(
  id: string,
  namespace: string,
  service: string,
  port: string,
  reason: BackendProblem,
): Backend {
  return { id, namespace, service, port, endpoints: [], problem: reason };
}
