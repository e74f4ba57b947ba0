import type { StoredObject } from '../objects/index.ts';
import { asArray, asRecord, asString, asStringMap } from './read.ts';

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** A Service port, as far as routing needs it. */
export interface ServicePortView {
  /** `''` when the port is unnamed (a Service with one port may leave it unnamed). */
  readonly name: string;
  readonly port: number;
}

/** A Service, read defensively. */
export interface ServiceView {
  readonly object: StoredObject;
  readonly type: string;
  readonly ports: readonly ServicePortView[];
  /** `spec.clusterIP`; '' when absent, `None` for a headless Service. */
  readonly clusterIP: string;
}

/** Reads a Service; returns null when it is too malformed to use (no ports array of objects). */
export function readService(object: StoredObject): ServiceView | null {
  const spec = asRecord(object.object['spec']);
  if (!spec) return null;
  const type = asString(spec['type']) ?? 'ClusterIP';
  const clusterIP = asString(spec['clusterIP']) ?? '';
  if (type === 'ExternalName') return { object, type, ports: [], clusterIP };
  const ports: ServicePortView[] = [];
  for (const entry of asArray(spec['ports'])) {
    const port = asRecord(entry);
    const number = port?.['port'];
    if (!port || typeof number !== 'number' || !Number.isInteger(number)) return null;
    ports.push({ name: asString(port['name']) ?? '', port: number });
  }
  return { object, type, ports, clusterIP };
}

/** One endpoint of an EndpointSlice with its readiness, for one slice port. */
export interface SliceEndpoint {
  readonly address: string;
  readonly port: number;
  readonly ready: boolean;
}

/** An EndpointSlice, read defensively. */
export interface SliceView {
  readonly object: StoredObject;
  readonly service: string;
  /** Port number by port name (`''` for the unnamed port). */
  readonly ports: ReadonlyMap<string, number>;
  readonly addresses: readonly { readonly address: string; readonly ready: boolean }[];
}

/**
 * Reads an EndpointSlice; a problem (what is wrong, and where) when it is malformed, has no
 * service-name label, or is of an address type pointsman cannot dial.
 */
export function readEndpointSlice(
  object: StoredObject,
): SliceView | { readonly problem: { readonly field: string; readonly message: string } } {
  const raw = object.object;
  const service = asStringMap(raw.metadata.labels)[SERVICE_NAME_LABEL];
  if (service === undefined) {
    const message = `the ${SERVICE_NAME_LABEL} label naming its Service is missing`;
    return { problem: { field: 'metadata.labels', message } };
  }
  const addressType = asString(raw['addressType']);
  if (addressType !== 'IPv4' && addressType !== 'IPv6') {
    const given = addressType === null ? 'missing' : JSON.stringify(addressType);
    return {
      problem: {
        field: 'addressType',
        message: `${given}: only IPv4 and IPv6 slices are supported`,
      },
    };
  }
  const ports = new Map<string, number>();
  for (const [i, entry] of asArray(raw['ports']).entries()) {
    const port = asRecord(entry);
    const number = port?.['port'];
    const protocol = asString(port?.['protocol']) ?? 'TCP';
    if (!port || typeof number !== 'number' || !Number.isInteger(number)) {
      return { problem: { field: `ports[${String(i)}].port`, message: 'must be an integer' } };
    }
    if (protocol === 'TCP') ports.set(asString(port['name']) ?? '', number);
  }
  const addresses: { address: string; ready: boolean }[] = [];
  for (const [i, entry] of asArray(raw['endpoints']).entries()) {
    const endpoint = asRecord(entry);
    // Every address of an endpoint is the same Pod; the first is the one to dial.
    const address = asString(asArray(endpoint?.['addresses'])[0]);
    if (!endpoint || address === null) {
      return {
        problem: {
          field: `endpoints[${String(i)}].addresses`,
          message: 'needs at least one address',
        },
      };
    }
    const ready = asRecord(endpoint['conditions'])?.['ready'] !== false;
    addresses.push({ address, ready });
  }
  return { object, service, ports, addresses };
}
