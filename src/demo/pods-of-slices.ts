import type { StoredObject } from '../objects/index.ts';

/** One endpoint of an EndpointSlice, seen as the Pod the demo starts for it. */
export interface DemoPod {
  readonly namespace: string;
  readonly service: string;
  readonly pod: string;
  readonly address: string;
  readonly port: number;
  /** The EndpointSlice it comes from. */
  readonly slice: StoredObject;
}

/**
 * The Pods the demo must start: one per ready endpoint address of each EndpointSlice, on the
 * slice's first port. The Pod name comes from `targetRef.name` when the slice has one.
 */
export function podsOfSlices(slices: readonly StoredObject[]): DemoPod[] {
  const pods: DemoPod[] = [];
  for (const slice of slices) {
    const raw = slice.object as unknown as {
      metadata: { labels?: Record<string, string> };
      ports?: { port?: number }[];
      endpoints?: { addresses?: string[]; targetRef?: { name?: string } }[];
    };
    const service = raw.metadata.labels?.['kubernetes.io/service-name'];
    const port = raw.ports?.[0]?.port;
    if (service === undefined || port === undefined) continue;
    (raw.endpoints ?? []).forEach((endpoint, index) => {
      const address = endpoint.addresses?.[0];
      if (address === undefined) return;
      const pod = endpoint.targetRef?.name ?? `${slice.name}-${String(index)}`;
      pods.push({ namespace: slice.namespace, service, pod, address, port, slice });
    });
  }
  return pods;
}

/** A copy of an EndpointSlice whose ports all point at `port` (the demo's chosen Pod port). */
export function withPort(slice: StoredObject, port: number): StoredObject {
  const raw = slice.object as unknown as { ports?: Record<string, unknown>[] };
  const ports = (raw.ports ?? []).map((entry) => ({ ...entry, port }));
  return { ...slice, object: { ...slice.object, ports } };
}
