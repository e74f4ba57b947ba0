import type { Backend } from '../ir/index.ts';
import type { StoredObject } from '../objects/index.ts';
import { backendId, resolveBackend, type BackendReach, type ServiceIndex } from './backends.ts';
import { readEndpointSlice, readService, type SliceView } from './services.ts';

/**
 * A backend of a route table resolved again against its Service and that Service's
 * EndpointSlices as they are now: exactly what a translation of the same objects would give it.
 * This is the endpoint fast path's way to follow an EndpointSlice change without translating
 * any route. Undefined when the backend does not come from a Service's endpoints (a resource
 * backend, an unusable proxy-ssl Secret), or when its settings cannot be read back from it.
 */
export function refreshBackend(
  backend: Backend,
  service: StoredObject | undefined,
  slices: readonly StoredObject[],
): Backend | undefined {
  if (backend.id.includes('/resource:') || backend.problem?.code === 'InvalidProxySslSecret') {
    return undefined;
  }
  const spec = { type: 'service', name: backend.service, port: backend.port } as const;
  const reach: BackendReach = {
    protocol: backend.protocol ?? 'HTTP',
    serviceUpstream: backend.id.endsWith('@ClusterIP'),
    ...(backend.tls === undefined ? {} : { proxySsl: backend.tls }),
  };
  // The id holds every setting of the backend: the same id means the same reach.
  if (backendId(backend.namespace, spec, reach) !== backend.id) return undefined;
  const key = `${backend.namespace}/${backend.service}`;
  const views: SliceView[] = [];
  for (const slice of slices) {
    const view = readEndpointSlice(slice);
    if (!('problem' in view) && `${slice.namespace}/${view.service}` === key) views.push(view);
  }
  const index: ServiceIndex = {
    services: service === undefined ? new Map() : new Map([[key, readService(service)]]),
    slices: new Map([[key, views]]),
  };
  return resolveBackend(backend.namespace, spec, index, reach);
}
