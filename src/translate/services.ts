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
}

/** Reads a Service; returns null when it is too malformed to use (no ports array of objects). */
export function readService(object: StoredObject): ServiceView | null {
  const spec = asRecord(object.object['spec']);
  if (!spec) return null;
  const type = asString(spec['type']) ?? 'ClusterIP';
  if (type === 'ExternalName') return { object, type, ports: [] };
  const ports: ServicePortView[] = [];
  for (const entry of asArray(spec['ports'])) {
    const port = asRecord(entry);
    const number = port?.['port'];
    if (!port || typeof number !== 'number' || !Number.isInteger(number)) return null;
    ports.push({ name: asString(port['name']) ?? '', port: number });
  }
  return { object, type, ports };
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

/** Reads an EndpointSlice; null when it is malformed or has no service-name label. */
export function readEndpointSlice(object: StoredObject): SliceView | null {
  const raw = object.object;
  const service = asStringMap(raw.metadata.labels)[SERVICE_NAME_LABEL];
  const addressType = asString(raw['addressType']);
  if (service === undefined || (addressType !== 'IPv4' && addressType !== 'IPv6')) return null;
  const ports = new Map<string, number>();
  for (const entry of asArray(raw['ports'])) {
    const port = asRecord(entry);
    const number = port?.['port'];
    const protocol = asString(port?.['protocol']) ?? 'TCP';
    if (!port || typeof number !== 'number' || !Number.isInteger(number)) return null;
    if (protocol === 'TCP') ports.set(asString(port['name']) ?? '', number);
  }
  const addresses: { address: string; ready: boolean }[] = [];
  for (const entry of asArray(raw['endpoints'])) {
    const endpoint = asRecord(entry);
    // Every address of an endpoint is the same Pod; the first is the one to dial.
    const address = asString(asArray(endpoint?.['addresses'])[0]);
    if (!endpoint || address === null) return null;
    const ready = asRecord(endpoint['conditions'])?.['ready'] !== false;
    addresses.push({ address, ready });
  }
  return { object, service, ports, addresses };
}
