import type {
  AccessMaterials,
  Certificates,
  ClientCaMaterial,
  CredentialsMaterial,
  UpstreamTlsMaterials,
} from './certificates.ts';
import type { RouteTable } from './route-table.ts';
import { contentAddress, deepFreeze } from './version.ts';

/**
 * Route tables travel to the data plane's workers as messages. At 10,000 Ingresses a table is
 * tens of megabytes of objects; copying all of it to every worker on every edit would cost each
 * worker far more than the 20 ms a table may take to apply. So a table goes by content address:
 * each list is sent against the same list of the table sent before: runs of items it
 * held at consecutive places are sent as (place, count), other items by their address (their
 * digest, which sealing computed already), and only the items the receiver does not hold yet
 * travel. Key material goes the same
 * way, by the version that names it. Unchanged items arrive as the very objects the receiver had,
 * so the worker's incremental compile (which compares items by identity) recompiles only what
 * changed.
 */

/** The lists of a route table, in the order of {@link RouteTable}. */
const LISTS = ['hosts', 'backends', 'tls', 'passthrough'] as const;
type ListName = (typeof LISTS)[number];

/** The key material that goes with a table (see certificates.ts). */
export interface TableMaterials {
  readonly certificates: Certificates;
  readonly upstreamTls: UpstreamTlsMaterials;
  readonly access: AccessMaterials;
}

/** A step of a list in a {@link TableMessage}. */
type ListStep = number | string;

/** A list as sent: the addresses of its items in order, and the place of each. */
interface SentList {
  /** The table's own list, to know it again when the next table keeps it. */
  readonly list: readonly object[] | null;
  readonly addresses: readonly string[];
  readonly places: ReadonlyMap<string, number>;
}

/** A list as received: its items and their addresses, place by place. */
interface HeldList {
  readonly items: readonly object[];
  readonly addresses: readonly string[];
}

const NO_LIST: SentList = { list: null, addresses: [], places: new Map() };

/** One keyed map of material: every key in use, and the entries the receiver lacks. */
interface MapDelta<V> {
  readonly keys: readonly string[];
  readonly added: readonly (readonly [string, V])[];
}

/** The key material of a {@link TableMessage}. */
export interface MaterialsMessage {
  readonly certificates: MapDelta<Certificates extends ReadonlyMap<string, infer V> ? V : never>;
  readonly upstreamTls: MapDelta<
    UpstreamTlsMaterials extends ReadonlyMap<string, infer V> ? V : never
  >;
  readonly credentials: MapDelta<CredentialsMaterial>;
  readonly clientCas: MapDelta<ClientCaMaterial>;
}

/** A route table and its material as sent to one receiver (see {@link TableEncoder}). */
export interface TableMessage {
  readonly version: string;
  /**
   * Each list, in order, as steps against the same list of the table sent before: a number
   * `from` followed by a number `count` copies `count` items from place `from` of that list;
   * a string is one item by its content address.
   */
  readonly lists: Readonly<Record<ListName, readonly ListStep[]>>;
  /** Whether the table has a `passthrough` list (absent when empty, see sealRouteTable). */
  readonly hasPassthrough: boolean;
  /** The default route and certificate by address; null when the table has none. */
  readonly defaultBackend: string | null;
  readonly defaultCertificate: string | null;
  /** The items (list items and defaults) the receiver does not hold, by address. */
  readonly items: readonly (readonly [string, object])[];
  readonly materials: MaterialsMessage;
}

/**
 * Encodes tables for one receiver, remembering what it was sent: each message carries only
 * what the previous one did not. Messages must reach the receiver in order and all of them; a
 * new receiver (a restarted worker) needs a new encoder.
 */
export class TableEncoder {
  #lists: Record<ListName, SentList> = {
    hosts: NO_LIST,
    backends: NO_LIST,
    tls: NO_LIST,
    passthrough: NO_LIST,
  };
  #defaults = new Set<string>();
  readonly #materials = {
    certificates: new Set<string>(),
    upstreamTls: new Set<string>(),
    credentials: new Set<string>(),
    clientCas: new Set<string>(),
  };

  /** The message that brings the receiver from the last table sent to `table`. */
  encode(table: RouteTable, materials: TableMaterials): TableMessage {
    const held = (key: string): boolean =>
      this.#defaults.has(key) || LISTS.some((name) => this.#lists[name].places.has(key));
    const items: (readonly [string, object])[] = [];
    const queued = new Set<string>();
    const address = (item: object): string => {
      const key = contentAddress(item);
      if (!queued.has(key) && !held(key)) {
        items.push([key, item]);
        queued.add(key);
      }
      return key;
    };
    const lists = {} as Record<ListName, ListStep[]>;
    const sent = {} as Record<ListName, SentList>;
    for (const name of LISTS) {
      const list = table[name] ?? [];
      const before = this.#lists[name];
      if (list === before.list) {
        // The same list as last time (its frozen array kept by the translator): one run.
        lists[name] = list.length === 0 ? [] : [0, list.length];
        sent[name] = before;
        continue;
      }
      const addresses = list.map(address);
      lists[name] = steps(addresses, before);
      sent[name] = { list, addresses, places: placesOf(addresses) };
    }
    const defaultBackend = table.defaultBackend === null ? null : address(table.defaultBackend);
    const defaultCertificate =
      table.defaultCertificate === null ? null : address(table.defaultCertificate);
    const message: TableMessage = {
      version: table.version,
      lists,
      hasPassthrough: table.passthrough !== undefined,
      defaultBackend,
      defaultCertificate,
      items,
      materials: {
        certificates: mapDelta(materials.certificates, this.#materials.certificates),
        upstreamTls: mapDelta(materials.upstreamTls, this.#materials.upstreamTls),
        credentials: mapDelta(materials.access.credentials, this.#materials.credentials),
        clientCas: mapDelta(materials.access.clientCas, this.#materials.clientCas),
      },
    };
    this.#lists = sent;
    this.#defaults = new Set([defaultBackend, defaultCertificate].filter((key) => key !== null));
    return message;
  }
}

/** The steps that make `addresses` from the list sent before (see TableMessage.lists). */
function steps(addresses: readonly string[], before: SentList): ListStep[] {
  const result: ListStep[] = [];
  let from = -1;
  let count = 0;
  const endRun = (): void => {
    if (count > 0) result.push(from, count);
    count = 0;
  };
  for (const key of addresses) {
    const place = before.places.get(key);
    if (place === undefined) {
      endRun();
      result.push(key);
    } else if (count > 0 && place === from + count) count++;
    else {
      endRun();
      from = place;
      count = 1;
    }
  }
  endRun();
  return result;
}

function placesOf(addresses: readonly string[]): Map<string, number> {
  const places = new Map<string, number>();
  addresses.forEach((key, place) => places.set(key, place));
  return places;
}

/** The entries of `map` not in `sent`, and all its keys; `sent` becomes the map's keys. */
function mapDelta<V>(map: ReadonlyMap<string, V>, sent: Set<string>): MapDelta<V> {
  const added: (readonly [string, V])[] = [];
  for (const [key, value] of map) if (!sent.has(key)) added.push([key, value]);
  sent.clear();
  for (const key of map.keys()) sent.add(key);
  return { keys: [...map.keys()], added };
}

/**
 * The receiving end of a {@link TableEncoder}: rebuilds each table from the items it holds and
 * those the message brings, reusing the held objects for unchanged items. Throws on a message
 * that names an item it neither holds nor brings (messages lost or out of order: a bug).
 */
export class TableDecoder {
  #lists: Record<ListName, HeldList> = {
    hosts: { items: [], addresses: [] },
    backends: { items: [], addresses: [] },
    tls: { items: [], addresses: [] },
    passthrough: { items: [], addresses: [] },
  };
  #defaults = new Map<string, object>();
  readonly #materials = {
    certificates: new Map<string, unknown>(),
    upstreamTls: new Map<string, unknown>(),
    credentials: new Map<string, unknown>(),
    clientCas: new Map<string, unknown>(),
  };

  /** The table and material a message describes. */
  decode(message: TableMessage): { table: RouteTable; materials: TableMaterials } {
    const arrived = new Map(message.items);
    // Items held but named by address (moved, or a default): found through every held list,
    // indexed only when a message needs it.
    let held: Map<string, object> | null = null;
    const item = (key: string): object => {
      let found = arrived.get(key);
      if (found !== undefined) {
        // Copies arrive unfrozen; the data plane relies on frozen tables.
        deepFreeze(found);
        return found;
      }
      held ??= this.#held();
      found = held.get(key);
      if (found === undefined) throw new Error(`table ${message.version}: item ${key} missing`);
      return found;
    };
    const next = {} as Record<ListName, HeldList>;
    for (const name of LISTS) {
      const before = this.#lists[name];
      const items: object[] = [];
      const addresses: string[] = [];
      const steps = message.lists[name];
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i] as ListStep;
        if (typeof step === 'string') {
          items.push(item(step));
          addresses.push(step);
          continue;
        }
        const count = steps[++i];
        if (typeof count !== 'number' || step + count > before.items.length) {
          throw new Error(`table ${message.version}: list ${name} names places it never had`);
        }
        items.push(...before.items.slice(step, step + count));
        addresses.push(...before.addresses.slice(step, step + count));
      }
      next[name] = { items: Object.freeze(items), addresses };
    }
    const optional = (key: string | null): object | null => (key === null ? null : item(key));
    const defaultBackend = optional(message.defaultBackend);
    const defaultCertificate = optional(message.defaultCertificate);
    const table = Object.freeze({
      version: message.version,
      hosts: next.hosts.items,
      defaultBackend,
      backends: next.backends.items,
      tls: next.tls.items,
      defaultCertificate,
      ...(message.hasPassthrough ? { passthrough: next.passthrough.items } : {}),
    }) as RouteTable;
    this.#lists = next;
    this.#defaults = new Map();
    if (message.defaultBackend !== null && defaultBackend !== null) {
      this.#defaults.set(message.defaultBackend, defaultBackend);
    }
    if (message.defaultCertificate !== null && defaultCertificate !== null) {
      this.#defaults.set(message.defaultCertificate, defaultCertificate);
    }
    const m = message.materials;
    const materials: TableMaterials = {
      certificates: applyDelta(this.#materials.certificates, m.certificates) as Certificates,
      upstreamTls: applyDelta(this.#materials.upstreamTls, m.upstreamTls) as UpstreamTlsMaterials,
      access: {
        credentials: applyDelta(this.#materials.credentials, m.credentials) as ReadonlyMap<
          string,
          CredentialsMaterial
        >,
        clientCas: applyDelta(this.#materials.clientCas, m.clientCas) as ReadonlyMap<
          string,
          ClientCaMaterial
        >,
      },
    };
    return { table, materials };
  }

  /** Every item held, by address. */
  #held(): Map<string, object> {
    const held = new Map(this.#defaults);
    for (const name of LISTS) {
      const { items, addresses } = this.#lists[name];
      addresses.forEach((key, place) => held.set(key, items[place] as object));
    }
    return held;
  }
}

/** Updates `held` to the delta's keys; returns a new map of them (the held one keeps changing). */
function applyDelta(held: Map<string, unknown>, delta: MapDelta<unknown>): Map<string, unknown> {
  for (const [key, value] of delta.added) held.set(key, value);
  const current = new Map<string, unknown>();
  for (const key of delta.keys) {
    if (!held.has(key)) throw new Error(`key material ${key} missing`);
    current.set(key, held.get(key));
  }
  held.clear();
  for (const [key, value] of current) held.set(key, value);
  return current;
}
