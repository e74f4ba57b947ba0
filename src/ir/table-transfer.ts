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

/**
 * A list as sent: the table's own array (frozen, so it is known again by identity), and the
 * place of each item's address, computed only when a later table needs to look for items in it.
 */
interface SentList {
  readonly list: readonly object[];
  places: Map<string, number> | null;
}

const NO_LIST: SentList = { list: [], places: new Map() };

/**
 * How many items (new and old together) may differ for a list to go by a walk over it and the
 * list before (see fewChanges). An incremental translation changes a few items, and this costs
 * little more than comparing references (at 10,000 Ingresses, addressing every item and
 * indexing the places took 10-17 ms of the control plane per table); a full one makes every
 * item a new object (equal or not), and then looking every item up by address finds the runs
 * it still shares with the list before, wherever they moved.
 */
const FEW_CHANGES = 256;

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
  #defaults: readonly string[] = [];
  /** What the receiver holds: each address with the number of places (and defaults) it fills. */
  #held = new Map<string, number>();
  readonly #materials = {
    certificates: new Set<string>(),
    upstreamTls: new Set<string>(),
    credentials: new Set<string>(),
    clientCas: new Set<string>(),
  };

  /** The message that brings the receiver from the last table sent to `table`. */
  encode(table: RouteTable, materials: TableMaterials): TableMessage {
    const items: (readonly [string, object])[] = [];
    const queued = new Set<string>();
    const address = (item: object): string => {
      const key = contentAddress(item);
      if (!queued.has(key) && !this.#held.has(key)) {
        items.push([key, item]);
        queued.add(key);
      }
      return key;
    };
    const lists = {} as Record<ListName, ListStep[]>;
    const sent = {} as Record<ListName, SentList>;
    // What leaves and joins the receiver's lists, when every list changed in few places.
    const left: string[] = [];
    const joined: string[] = [];
    let rebuilt = false;
    for (const name of LISTS) {
      const list = table[name] ?? [];
      const before = this.#lists[name];
      sent[name] = { list, places: null };
      const change = fewChanges(before.list, list, address);
      if (change !== null) {
        lists[name] = change.steps;
        joined.push(...change.joined);
        left.push(...change.left);
        continue;
      }
      const addresses = list.map(address);
      lists[name] = steps(addresses, placesOf(before));
      sent[name].places = indexOf(addresses);
      rebuilt = true;
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
    const defaults = [defaultBackend, defaultCertificate].filter((key) => key !== null);
    if (rebuilt) {
      this.#held = new Map();
      for (const name of LISTS) count(this.#held, sent[name].list.map(contentAddress), 1);
      count(this.#held, defaults, 1);
    } else {
      count(this.#held, [...left, ...this.#defaults], -1);
      count(this.#held, [...joined, ...defaults], 1);
    }
    this.#lists = sent;
    this.#defaults = defaults;
    return message;
  }
}

/** A list sent as steps against the list before, and the addresses that joined and left it. */
interface ListChange {
  readonly steps: ListStep[];
  readonly joined: readonly string[];
  readonly left: readonly string[];
}

/**
 * `next` as steps against `before` when they differ in few places: one walk over both lists
 * that keeps an item where it is the same object as (or equal to) the next item of `before`,
 * takes single items as added, removed or replaced, and names each other item by `address`.
 * Null when more than {@link FEW_CHANGES} items differ: then the list goes by addresses.
 */
function fewChanges(
  before: readonly object[],
  next: readonly object[],
  address: (item: object) => string,
): ListChange | null {
  const same = (a: object | undefined, b: object | undefined): boolean =>
    a !== undefined && b !== undefined && (a === b || contentAddress(a) === contentAddress(b));
  const steps: ListStep[] = [];
  const joined: string[] = [];
  const left: string[] = [];
  let from = 0;
  let count = 0;
  const endRun = (): void => {
    steps.push(...run(from, count));
    count = 0;
  };
  let j = 0;
  for (let i = 0; i < next.length; i++) {
    const item = next[i] as object;
    if (!same(item, before[j]) && same(item, before[j + 1])) {
      // before[j] was removed.
      left.push(contentAddress(before[j++] as object));
    }
    if (same(item, before[j])) {
      if (count > 0 && from + count !== j) endRun();
      if (count === 0) from = j;
      count++;
      j++;
      continue;
    }
    endRun();
    if (joined.length + left.length >= FEW_CHANGES) return null;
    const key = address(item);
    steps.push(key);
    joined.push(key);
    // Replaced, unless the item was added before an item kept.
    if (j < before.length && !same(next[i + 1], before[j])) {
      left.push(contentAddress(before[j++] as object));
    }
  }
  endRun();
  for (; j < before.length; j++) left.push(contentAddress(before[j] as object));
  return joined.length + left.length > FEW_CHANGES ? null : { steps, joined, left };
}

/** The steps of a run of `count` places from `from`: none for an empty run. */
function run(from: number, count: number): ListStep[] {
  return count === 0 ? [] : [from, count];
}

/** Adds `sign` to the count of each key, dropping keys that reach zero. */
function count(counts: Map<string, number>, keys: readonly string[], sign: 1 | -1): void {
  for (const key of keys) {
    const next = (counts.get(key) ?? 0) + sign;
    if (next > 0) counts.set(key, next);
    else counts.delete(key);
  }
}

/** The place of each address of a list sent before, computed on first need. */
function placesOf(sent: SentList): ReadonlyMap<string, number> {
  sent.places ??= indexOf(sent.list.map(contentAddress));
  return sent.places;
}

/** The steps that make `addresses` from the places of the list before (see TableMessage.lists). */
function steps(addresses: readonly string[], places: ReadonlyMap<string, number>): ListStep[] {
  const result: ListStep[] = [];
  let from = -1;
  let count = 0;
  const endRun = (): void => {
    if (count > 0) result.push(from, count);
    count = 0;
  };
  for (const key of addresses) {
    const place = places.get(key);
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

function indexOf(addresses: readonly string[]): Map<string, number> {
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
  #lists: Record<ListName, readonly object[]> = {
    hosts: [],
    backends: [],
    tls: [],
    passthrough: [],
  };
  #defaults: readonly object[] = [];
  /** The address of every item that arrived (so of every item held). */
  readonly #addresses = new WeakMap<object, string>();
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
        this.#addresses.set(found, key);
        return found;
      }
      held ??= this.#held();
      found = held.get(key);
      if (found === undefined) throw new Error(`table ${message.version}: item ${key} missing`);
      return found;
    };
    const next = {} as Record<ListName, readonly object[]>;
    for (const name of LISTS) {
      const before = this.#lists[name];
      const steps = message.lists[name];
      // Filled place by place into an array of its final length: at 10,000 Ingresses a list
      // copied in slices was twice the garbage of the list itself, on every table.
      const items = new Array<object>(listLength(steps));
      let place = 0;
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i] as ListStep;
        if (typeof step === 'string') {
          items[place++] = item(step);
          continue;
        }
        const count = steps[++i] as number;
        if (step < 0 || step + count > before.length) {
          throw new Error(`table ${message.version}: list ${name} names places it never had`);
        }
        for (let from = step; from < step + count; from++) items[place++] = before[from] as object;
      }
      next[name] = Object.freeze(items);
    }
    const optional = (key: string | null): object | null => (key === null ? null : item(key));
    const defaultBackend = optional(message.defaultBackend);
    const defaultCertificate = optional(message.defaultCertificate);
    const table = Object.freeze({
      version: message.version,
      hosts: next.hosts,
      defaultBackend,
      backends: next.backends,
      tls: next.tls,
      defaultCertificate,
      ...(message.hasPassthrough ? { passthrough: next.passthrough } : {}),
    }) as RouteTable;
    this.#lists = next;
    this.#defaults = [defaultBackend, defaultCertificate].filter((held) => held !== null);
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
    const held = new Map<string, object>();
    for (const items of [...LISTS.map((name) => this.#lists[name]), this.#defaults]) {
      for (const item of items) {
        const key = this.#addresses.get(item);
        if (key !== undefined) held.set(key, item);
      }
    }
    return held;
  }
}

/** The number of items the steps of a list make; throws on a malformed run. */
function listLength(steps: readonly ListStep[]): number {
  let length = 0;
  for (let i = 0; i < steps.length; i++) {
    if (typeof steps[i] === 'string') {
      length++;
      continue;
    }
    const count = steps[++i];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      throw new Error('a run of places in a list has no count');
    }
    length += count;
  }
  return length;
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
