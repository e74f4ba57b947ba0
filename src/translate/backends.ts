import { createHash } from 'node:crypto';
import type {
  Backend,
  BackendProblem,
  BackendProtocol,
  BackendTls,
  Endpoint,
} from '../ir/index.ts';
import type { BackendSpec } from './ingress-spec.ts';
import type { ServiceView, SliceView } from './services.ts';

/** Services and EndpointSlices indexed for backend resolution. */
export interface ServiceIndex {
  /** By `namespace/name`; null marks a Service that exists but is malformed. */
  readonly services: ReadonlyMap<string, ServiceView | null>;
  /** By `namespace/service-name`. */
  readonly slices: ReadonlyMap<string, readonly SliceView[]>;
}

/**
 * How a backend's endpoints are reached, from the Ingress's annotations: `protocol`
 * (backend-protocol) and `serviceUpstream` (service-upstream: the Service's cluster IP instead
 * of its Pods).
 */
export interface BackendReach {
  readonly protocol: BackendProtocol;
  readonly serviceUpstream: boolean;
  /**
   * proxy-ssl (only with a TLS protocol): the checked settings, or why the Secret cannot be used;
   * then the backend answers 503, as ingress-nginx denies the location.
   */
  readonly proxySsl?: BackendTls | { readonly problem: string };
}

const DIRECT_HTTP: BackendReach = { protocol: 'HTTP', serviceUpstream: false };

/**
 * The id a backend gets in the route table: the protocol is part of it unless it is HTTP, and
 * `@ClusterIP` marks one reached through its Service's cluster IP.
 */
export function backendId(
  namespace: string,
  backend: BackendSpec,
  reach: BackendReach = DIRECT_HTTP,
): string {
  const id =
    backend.type === 'service'
      ? `${namespace}/${backend.name}:${String(backend.port)}`
      : `${namespace}/resource:${backend.kind}/${backend.name}`;
  const withProtocol = reach.protocol === 'HTTP' ? id : `${id}@${reach.protocol}`;
  const withTls =
    reach.proxySsl === undefined ? withProtocol : `${withProtocol}@${proxySslTag(reach.proxySsl)}`;
  return reach.serviceUpstream ? `${withTls}@ClusterIP` : withTls;
}

/**
 * `proxy-ssl=` and a short hash of the settings (the Secret's version included), so that
 * backends verified differently are separate backends, with pools of their own.
 */
function proxySslTag(proxySsl: NonNullable<BackendReach['proxySsl']>): string {
  const hash = createHash('sha256').update(JSON.stringify(proxySsl)).digest('hex');
  return 'problem' in proxySsl
    ? `proxy-ssl=invalid-${hash.slice(0, 8)}`
    : `proxy-ssl=${hash.slice(0, 12)}`;
}

/**
 * Resolves an Ingress backend to its ready endpoints: the Service in the Ingress's namespace,
 * its port by number or name, then the port of the same name in the Service's EndpointSlices,
 * and the endpoints whose `ready` condition is not false. Anything missing keeps the backend
 * (so its routes answer 503) with the reason attached. `reach` is how its endpoints are
 * reached (the Ingress's backend-protocol and service-upstream annotations).
 */
export function resolveBackend(
  namespace: string,
  spec: BackendSpec,
  index: ServiceIndex,
  reach: BackendReach = DIRECT_HTTP,
): Backend {
  const { protocol } = reach;
  const id = backendId(namespace, spec, reach);
  if (spec.type === 'resource') {
    return broken(id, namespace, '', '', {
      code: 'UnsupportedBackend',
      message: `resource backend ${spec.kind}/${spec.name} is not supported; only Service backends are`,
    });
  }
  const tls = reach.proxySsl;
  if (tls !== undefined && 'problem' in tls) {
    const reason = problem('InvalidProxySslSecret', `${tls.problem}; the backend answers 503`);
    return broken(id, namespace, spec.name, spec.port, reason, protocol);
  }
  const base = {
    id,
    namespace,
    service: spec.name,
    port: spec.port,
    ...(protocol === 'HTTP' ? {} : { protocol }),
    ...(tls === undefined ? {} : { tls }),
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
  // service-upstream: one endpoint, the cluster IP and Service port, as ingress-nginx does;
  // a Service without a cluster IP (headless) falls back to its Pods, as there.
  if (reach.serviceUpstream && service.clusterIP !== '' && service.clusterIP !== 'None') {
    return { ...base, endpoints: [{ address: service.clusterIP, port: port.port }], problem: null };
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
  port: string | number,
  reason: BackendProblem,
  protocol: BackendProtocol = 'HTTP',
): Backend {
  const base = { id, namespace, service, port };
  const reached = protocol === 'HTTP' ? base : { ...base, protocol };
  return { ...reached, endpoints: [], problem: reason };
}
