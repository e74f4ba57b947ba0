import { isDeepStrictEqual } from 'node:util';
import {
  addDigest,
  compareHosts,
  deepFreeze,
  itemDigest,
  sealRouteTable,
  type ListDigests,
  type Backend,
  type DefaultRoute,
  type HostRoutes,
  type ObjectResult,
  type PassthroughHost,
  type TlsDefaultCertificate,
  type TlsHost,
} from '../../ir/index.ts';
import type { ObjectRef } from '../../objects/index.ts';
import { compareResults } from '../../translate/index.ts';
import type { IncrementalTranslation } from './incremental-translator.ts';
import { sameResult, type GroupPiece } from './group-piece.ts';
import { objectKey } from './snapshot-diff.ts';
import { SortedList } from './sorted-list.ts';

/** What the options alone give the table, whatever the Ingresses. */
export interface TableDefaults {
  readonly defaultBackend: DefaultRoute | null;
  readonly defaultCertificate: TlsDefaultCertificate | null;
  /** Whether `--default-backend-service` is set (it cannot be merged beside an Ingress's). */
  readonly globalDefaultBackend: boolean;
}

/**
 * The pieces of every group merged into one table and one list of results, kept in order as
 * pieces come and go, so that a change costs in proportion to the pieces it replaces. Pieces
 * that disagree (the same host from two groups, one object read two ways, a backend resolved two
 * ways) are noted in {@link MergedPieces.conflict}: the caller then translates the whole.
 */
export class MergedPieces {
  readonly #hosts = new SortedList<HostRoutes>(compareHosts);
  readonly #tls = new SortedList<TlsHost>(byHost);
  readonly #passthrough = new SortedList<PassthroughHost>(byHost);
  readonly #backendList = new SortedList<Backend>(byId);
  readonly #backends = new Map<string, { backend: Backend; pieces: number }>();
  readonly #backendsOfService = new Map<string, Set<string>>();
  readonly #results = new SortedList<ObjectResult>(compareResults);
  /** The result in {@link #results} for each result key. */
  readonly #listed = new Map<string, ObjectResult>();
  /** Results of objects other than Ingresses when no Ingress reads them, by result key. */
  readonly #baseline = new Map<string, ObjectResult>();
  /** The results pieces give objects other than Ingresses, where they differ from the baseline. */
  readonly #usage = new Map<string, Map<GroupPiece, ObjectResult>>();
  readonly #defaults = new Set<GroupPiece>();
  readonly #lastGood = new Set<GroupPiece>();
  readonly #materials = new Set<GroupPiece>();
  #conflict = false;
  /** The digest sums of the lists, kept as items come and go (see `sealRouteTable`). */
  #sums: { -readonly [K in keyof ListDigests]: bigint } = { ...NO_DIGESTS };
  /** In {@link MergedPieces.batch}: results are only noted, and listed at its end. */
  #batch = false;

  /** Whether two pieces disagree: the merged table would not be the whole translation's. */
  get conflict(): boolean {
    return this.#conflict;
  }

  /** Forgets everything. */
  clear(): void {
    for (const list of [this.#hosts, this.#tls, this.#passthrough, this.#backendList]) {
      list.clear();
    }
    this.#results.clear();
    for (const map of [this.#backends, this.#backendsOfService, this.#listed, this.#baseline]) {
      map.clear();
    }
    this.#usage.clear();
    this.#defaults.clear();
    this.#lastGood.clear();
    this.#materials.clear();
    this.#conflict = false;
    this.#sums = { ...NO_DIGESTS };
  }

  /**
   * Runs `fill` (adds only, as when everything is translated at once) with every list appending
   * unordered, then orders each once.
   */
  batch(fill: () => void): void {
    const lists = [this.#hosts, this.#tls, this.#passthrough, this.#backendList];
    for (const list of lists) list.startBatch();
    this.#batch = true;
    try {
      fill();
    } finally {
      this.#batch = false;
      for (const list of lists) if (!list.endBatch()) this.#conflict = true;
      this.#results.clear();
      this.#results.startBatch();
      for (const result of this.#listed.values()) this.#results.add(result);
      this.#results.endBatch();
    }
  }

  /** The result of an object other than an Ingress when no Ingress reads it. */
  baseline(key: string): ObjectResult | undefined {
    return this.#baseline.get(key);
  }

  /** Sets (or, with undefined, removes) the baseline result of an object. */
  setBaseline(key: string, result: ObjectResult | undefined): void {
    if (result === undefined) this.#baseline.delete(key);
    else this.#baseline.set(key, result);
    this.#relist(key);
  }

  /** The merged backend with this id. */
  backend(id: string): Backend | undefined {
    return this.#backends.get(id)?.backend;
  }

  /** Ids of the backends of a Service (`namespace/name`). */
  backendsOf(service: string): ReadonlySet<string> {
    return this.#backendsOfService.get(service) ?? new Set();
  }

  /** Puts a backend resolved again in place of the one with its id (the endpoint fast path). */
  replaceBackend(next: Backend): void {
    const entry = this.#backends.get(next.id);
    if (entry === undefined) return;
    deepFreeze(next);
    this.#backendList.replace(entry.backend, next);
    this.#count('backends', entry.backend, -1);
    this.#count('backends', next, 1);
    entry.backend = next;
  }

  /** Merges a piece in. */
  add(piece: GroupPiece): void {
    for (const host of piece.hosts) {
      if (!this.#hosts.add(host)) this.#conflict = true;
      this.#count('hosts', host, 1);
    }
    for (const host of piece.tls) {
      if (!this.#tls.add(host)) this.#conflict = true;
      this.#count('tls', host, 1);
    }
    for (const host of piece.passthrough) {
      if (!this.#passthrough.add(host)) this.#conflict = true;
      this.#count('passthrough', host, 1);
    }
    for (const backend of piece.backends) this.#addBackend(backend);
    for (const result of piece.ingressResults) this.#list(objectKey(result), result);
    for (const [key, result] of piece.usage) {
      let pieces = this.#usage.get(key);
      if (pieces === undefined) {
        pieces = new Map();
        this.#usage.set(key, pieces);
      }
      pieces.set(piece, result);
      this.#relist(key);
    }
    if (piece.defaultBackend !== null) this.#defaults.add(piece);
    if (piece.servingLastGood.length > 0) this.#lastGood.add(piece);
    if (hasMaterials(piece)) this.#materials.add(piece);
  }

  /** Takes a piece out. */
  remove(piece: GroupPiece): void {
    for (const host of piece.hosts) if (this.#hosts.remove(host)) this.#count('hosts', host, -1);
    for (const host of piece.tls) if (this.#tls.remove(host)) this.#count('tls', host, -1);
    for (const host of piece.passthrough) {
      if (this.#passthrough.remove(host)) this.#count('passthrough', host, -1);
    }
    for (const backend of piece.backends) this.#removeBackend(backend);
    for (const result of piece.ingressResults) this.#list(objectKey(result), undefined);
    for (const key of piece.usage.keys()) {
      const pieces = this.#usage.get(key);
      pieces?.delete(piece);
      if (pieces?.size === 0) this.#usage.delete(key);
      this.#relist(key);
    }
    this.#defaults.delete(piece);
    this.#lastGood.delete(piece);
    this.#materials.delete(piece);
  }

  /** The merged translation; null when pieces conflict and the whole must be translated. */
  build(defaults: TableDefaults): IncrementalTranslation | null {
    if (this.#conflict || this.#defaults.size > 1) return null;
    const own = [...this.#defaults][0]?.defaultBackend ?? null;
    if (own !== null && defaults.globalDefaultBackend) return null;
    const table = sealRouteTable(
      {
        hosts: this.#hosts.toArray(),
        defaultBackend: own ?? defaults.defaultBackend,
        backends: this.#backendList.toArray(),
        tls: this.#tls.toArray(),
        defaultCertificate: defaults.defaultCertificate,
        passthrough: this.#passthrough.toArray(),
      },
      this.#sums,
    );
    const materials = [...this.#materials];
    return {
      table,
      results: this.#results.toArray(),
      certificates: new Map(materials.flatMap((piece) => [...piece.certificates])),
      upstreamTls: new Map(materials.flatMap((piece) => [...piece.upstreamTls])),
      access: {
        credentials: new Map(materials.flatMap((piece) => [...piece.access.credentials])),
        clientCas: new Map(materials.flatMap((piece) => [...piece.access.clientCas])),
      },
      servingLastGood: [...this.#lastGood]
        .flatMap((piece) => piece.servingLastGood)
        .sort(byNamespaceAndName),
    };
  }

  #addBackend(backend: Backend): void {
    const entry = this.#backends.get(backend.id);
    if (entry !== undefined) {
      entry.pieces++;
      // Resolved from the same objects, a backend is the same in every group.
      if (!isDeepStrictEqual(entry.backend, backend)) this.#conflict = true;
      return;
    }
    this.#backends.set(backend.id, { backend, pieces: 1 });
    this.#backendList.add(backend);
    this.#count('backends', backend, 1);
    const service = serviceOf(backend);
    let ids = this.#backendsOfService.get(service);
    if (ids === undefined) {
      ids = new Set();
      this.#backendsOfService.set(service, ids);
    }
    ids.add(backend.id);
  }

  #removeBackend(backend: Backend): void {
    const entry = this.#backends.get(backend.id);
    if (entry === undefined || --entry.pieces > 0) return;
    this.#backends.delete(backend.id);
    this.#backendList.remove(entry.backend);
    this.#count('backends', entry.backend, -1);
    const ids = this.#backendsOfService.get(serviceOf(backend));
    ids?.delete(backend.id);
    if (ids?.size === 0) this.#backendsOfService.delete(serviceOf(backend));
  }

  #count(list: keyof ListDigests, item: object, sign: 1 | -1): void {
    this.#sums[list] = addDigest(this.#sums[list], itemDigest(item), sign);
  }

  /** Lists the result an object other than an Ingress has now: a piece's, else its baseline. */
  #relist(key: string): void {
    const used = [...(this.#usage.get(key)?.values() ?? [])];
    const first = used[0];
    if (first !== undefined && used.some((result) => !sameResult(result, first))) {
      this.#conflict = true;
    }
    this.#list(key, first ?? this.#baseline.get(key));
  }

  #list(key: string, result: ObjectResult | undefined): void {
    const listed = this.#listed.get(key);
    if (listed === result) return;
    if (this.#batch) {
      if (result === undefined) this.#listed.delete(key);
      else this.#listed.set(key, result);
      return;
    }
    if (result === undefined) {
      if (listed !== undefined) this.#results.remove(listed);
      this.#listed.delete(key);
      return;
    }
    if (listed === undefined) this.#results.add(result);
    else this.#results.replace(listed, result);
    this.#listed.set(key, result);
  }
}

const NO_DIGESTS: ListDigests = { hosts: 0n, backends: 0n, tls: 0n, passthrough: 0n };

function hasMaterials(piece: GroupPiece): boolean {
  return (
    piece.certificates.size > 0 ||
    piece.upstreamTls.size > 0 ||
    piece.access.credentials.size > 0 ||
    piece.access.clientCas.size > 0
  );
}

function serviceOf(backend: Backend): string {
  return `${backend.namespace}/${backend.service}`;
}

function byHost(a: { readonly host: string }, b: { readonly host: string }): number {
  return a.host < b.host ? -1 : a.host > b.host ? 1 : 0;
}

function byId(a: Backend, b: Backend): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function byNamespaceAndName(a: ObjectRef, b: ObjectRef): number {
  const ka = `${a.namespace}/${a.name}`;
  const kb = `${b.namespace}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
