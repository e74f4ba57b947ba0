import { isDeepStrictEqual } from 'node:util';
import type { Backend, ObjectResult } from '../../ir/index.ts';
import { FIELD_BY_KIND, type Snapshot, type StoredObject } from '../../objects/index.ts';
import { refreshBackend, translate, type TranslateOptions } from '../../translate/index.ts';
import {
  translateKeepingLastGood,
  type LastGoodTranslation,
  type ServedIngresses,
} from '../last-good.ts';
import { pieceOf, sameResult, type GroupPiece } from './group-piece.ts';
import { CertificateMoments } from './certificate-moments.ts';
import { HostGroups } from './host-groups.ts';
import { ingressKeysOf, type IngressKeys } from './ingress-keys.ts';
import { MergedPieces, type TableDefaults } from './merged-pieces.ts';
import { ObjectIndex, referenceKeyOf } from './object-index.ts';
import { objectKey, SnapshotDiff, type Change } from './snapshot-diff.ts';

/**
 * How the last translation was made: `full` translated the whole snapshot (the first one, a
 * changed IngressClass, option or default object, a certificate that started or expired, or a
 * case the groups cannot settle); `groups` translated only the groups of Ingresses a change
 * touched; `endpoints` followed EndpointSlice changes without translating any route;
 * `unchanged` found nothing to do.
 */
export interface TranslationStep {
  readonly mode: 'full' | 'groups' | 'endpoints' | 'unchanged';
  /** Ingresses translated again. */
  readonly ingresses: number;
  /** Groups translated again. */
  readonly groups: number;
}

/** A translation as `translateKeepingLastGood` gives it, but for `served` (see the translator's). */
export type IncrementalTranslation = Omit<LastGoodTranslation, 'served'>;

/**
 * Translates snapshot after snapshot, doing again only what a change touches, and keeping the
 * last good version of broken Ingress edits as {@link translateKeepingLastGood} does.
 *
 * Ingresses fall into groups (host-groups.ts): everything translation computes across Ingresses
 * stays inside a group, so the table is the union of what each group translates to on its own,
 * with the objects it may read. Each group is translated by the reference `translate()` itself
 * and kept; a change translates again the groups of the Ingresses it changes and of those that
 * read a changed object, and the pieces are merged into one table. An EndpointSlice change that
 * only moves endpoints (no backend gains or loses its last one) takes the endpoint fast path:
 * the backends it feeds are resolved again (`refreshBackend`), and no route is translated.
 * Whatever the path, the result equals `translateKeepingLastGood` of the whole snapshot; a
 * property test holds it to that.
 */
export class IncrementalTranslator {
  #options: TranslateOptions | null = null;
  #last: IncrementalTranslation | null = null;
  #step: TranslationStep = { mode: 'unchanged', ingresses: 0, groups: 0 };
  /** The time of the last translation: a certificate that started or expired since needs a full one. */
  #lastNow: number | undefined;
  readonly #certificates = new CertificateMoments();
  readonly #objects = new SnapshotDiff();
  #classes: StoredObject[] = [];
  readonly #groups = new HostGroups();
  readonly #index = new ObjectIndex();
  readonly #keys = new WeakMap<StoredObject, IngressKeys>();
  readonly #pieceOf = new Map<string, GroupPiece>();
  readonly #pieces = new Set<GroupPiece>();
  readonly #dependents = new Map<string, Set<GroupPiece>>();
  readonly #merged = new MergedPieces();
  /** Keys of the objects options name (default backend Service, default certificate). */
  #globalKeys: ReadonlySet<string> = new Set();
  /** What the options alone give the table. */
  #defaults: TableDefaults | null = null;
  readonly #served = new Map<string, StoredObject>();
  /** What {@link #served} held before this translation, for the ids it changed. */
  readonly #servedBefore = new Map<string, StoredObject | undefined>();
  /** Set when a translation failed or pieces disagreed: the next translation starts over. */
  #stale = false;

  /** How the last translation was made. */
  get lastStep(): TranslationStep {
    return this.#step;
  }

  /**
   * The Ingresses the table serves, in the version served (`served` of
   * `translateKeepingLastGood`); a live view, changed by the next translation.
   */
  get served(): ServedIngresses {
    return this.#served;
  }

  /**
   * Translates a snapshot: the same as `translateKeepingLastGood` with the versions served so
   * far (which are then in {@link IncrementalTranslator.served}).
   */
  translate(snapshot: Snapshot, options: TranslateOptions): IncrementalTranslation {
    try {
      return this.#translate(snapshot, options);
    } catch (error) {
      // A bug, not bad input (translation never throws on that): start over next time.
      this.discardLast();
      throw error;
    }
  }

  /**
   * Forgets the last translation (installing its table failed, or it threw): the versions it
   * chose to serve go back to those before it, and the next translation starts over.
   */
  discardLast(): void {
    for (const [id, ingress] of this.#servedBefore) {
      if (ingress === undefined) this.#served.delete(id);
      else this.#served.set(id, ingress);
    }
    this.#servedBefore.clear();
    this.#stale = true;
  }

  #translate(snapshot: Snapshot, options: TranslateOptions): IncrementalTranslation {
    this.#servedBefore.clear();
    const { changes, renewed } = this.#objects.changes(snapshot);
    const now = options.now;
    const last = this.#lastNow;
    const timeMatters =
      now !== last &&
      (now === undefined ||
        last === undefined ||
        this.#certificates.passedBetween(snapshot.secrets, last, now));
    this.#lastNow = now;
    if (
      this.#last === null ||
      this.#stale ||
      timeMatters ||
      !sameOptions(options, this.#options) ||
      changes.some((change) => this.#isGlobal(change))
    ) {
      return this.#full(snapshot, options);
    }
    if (changes.length === 0) {
      this.#step = { mode: 'unchanged', ingresses: 0, groups: 0 };
      return this.#last;
    }
    this.#options = options;
    for (const change of renewed) this.#renew(change);
    for (const change of changes) this.#record(change);
    if (this.#followBackends(changes)) {
      this.#step = { mode: 'endpoints', ingresses: 0, groups: 0 };
      return this.#finish(snapshot, options);
    }
    return this.#regroup(snapshot, options, changes);
  }

  /** Whether a change reaches past groups: IngressClasses and the objects options name. */
  #isGlobal(change: Change): boolean {
    for (const object of [change.before, change.after]) {
      if (object === undefined) continue;
      if (object.kind === 'IngressClass') return true;
      const key = referenceKeyOf(object);
      if (key !== null && this.#globalKeys.has(key)) return true;
    }
    return false;
  }

  /** Starts over: every group translated again, from the whole snapshot. */
  #full(snapshot: Snapshot, options: TranslateOptions): IncrementalTranslation {
    this.#options = options;
    this.#stale = false;
    this.#objects.reset(snapshot);
    this.#pieceOf.clear();
    this.#pieces.clear();
    this.#dependents.clear();
    this.#merged.clear();
    for (const id of [...this.#groups.ids()]) this.#groups.delete(id);
    this.#index.clear();
    this.#globalKeys = globalKeysOf(options);
    this.#classes = [...snapshot.ingressClasses];
    for (const id of [...this.#served.keys()]) {
      if (this.#objects.get(`Ingress/${id}`) === undefined) this.#serve(id, undefined);
    }
    for (const object of this.#objects.objects()) {
      if (object.kind !== 'Ingress') this.#index.update(object, true);
      else {
        const id = ingressId(object);
        this.#groups.set(id, this.#keysOf(object, this.#served.get(id)));
      }
    }
    const groups = this.#groups.groupsOf(this.#groups.ids());
    this.#merged.batch(() => {
      for (const result of translate({ ...snapshot, ingresses: [] }, options).results) {
        this.#merged.setBaseline(objectKey(result), result);
      }
      const base = translateKeepingLastGood(this.#inputOf([], new Set()), options, new Map());
      this.#defaults = {
        defaultBackend: base.table.defaultBackend,
        defaultCertificate: base.table.defaultCertificate,
        globalDefaultBackend: options.defaultBackendService != null,
      };
      // A piece of no Ingress holds what the options alone put in the table (their backends).
      this.#addPiece(pieceOf([], new Set(), base, (key) => this.#merged.baseline(key)));
      for (const batch of batchesOf(groups)) this.#addPiece(this.#translateGroup(batch, options));
    });
    this.#step = { mode: 'full', ingresses: snapshot.ingresses.length, groups: groups.length };
    return this.#finish(snapshot, options);
  }

  /**
   * Takes in an object handed over as a new instance equal to the one taken in, so that the old
   * instance is not kept alive (translation reads it the same way).
   */
  #renew(change: Change): void {
    this.#objects.take(change);
    if (change.before !== undefined) this.#index.update(change.before, false);
    if (change.after !== undefined) this.#index.update(change.after, true);
  }

  /** Takes a change into the object maps, indexes and baselines (not into the pieces). */
  #record(change: Change): void {
    const { before, after } = change;
    this.#objects.take(change);
    const object = after ?? before;
    if (object === undefined) return;
    if (object.kind === 'Ingress') {
      const id = ingressId(object);
      if (after === undefined) {
        this.#groups.delete(id);
        this.#serve(id, undefined);
      } else this.#groups.set(id, this.#keysOf(after, this.#served.get(id)));
      return;
    }
    if (before !== undefined) this.#index.update(before, false);
    if (after !== undefined) this.#index.update(after, true);
    this.#merged.setBaseline(change.key, after === undefined ? undefined : this.#baselineOf(after));
  }

  /**
   * The endpoint fast path: when every change is an EndpointSlice or a Service edited in place
   * (still read the same way, for the same Service), the backends of those Services are
   * resolved again, as translation would; taken only when no backend's problem changes (none
   * gains or loses its last ready endpoint, none loses its port), since that changes results.
   * Routes read Services and EndpointSlices only through their backends.
   */
  #followBackends(changes: readonly Change[]): boolean {
    const services = new Set<string>();
    for (const { before, after } of changes) {
      if (before === undefined || after === undefined || !FAST_PATH_KINDS.has(after.kind)) {
        return false;
      }
      const key = referenceKeyOf(after);
      if (key === null || key !== referenceKeyOf(before)) return false;
      const now = this.#merged.baseline(objectKey(after));
      if (!sameResult(this.#baselineOf(before), now)) return false;
      services.add(key);
    }
    const refreshed: Backend[] = [];
    for (const service of services) {
      const objects = this.#index.objectsOf([service]);
      for (const id of this.#merged.backendsOf(service)) {
        const backend = this.#merged.backend(id);
        if (backend === undefined) continue;
        const next = refreshBackend(backend, objects.services[0], objects.endpointSlices);
        if (next === undefined || !isDeepStrictEqual(next.problem, backend.problem)) return false;
        refreshed.push(next);
      }
    }
    for (const backend of refreshed) this.#merged.replaceBackend(backend);
    return true;
  }

  /** Translates again the groups a change touches, and those they now join. */
  #regroup(
    snapshot: Snapshot,
    options: TranslateOptions,
    changes: readonly Change[],
  ): IncrementalTranslation {
    // The Ingresses a change touches: changed ones, and those that may read a changed object.
    const touched = new Set<string>();
    for (const { before, after } of changes) {
      const object = after ?? before;
      if (object === undefined) continue;
      if (object.kind === 'Ingress') {
        touched.add(ingressId(object));
        continue;
      }
      for (const version of [before, after]) {
        const key = version === undefined ? null : referenceKeyOf(version);
        for (const piece of key === null ? [] : (this.#dependents.get(key) ?? [])) {
          for (const member of piece.members) {
            if (this.#referencesOf(member).includes(key ?? '')) touched.add(member);
          }
        }
      }
    }
    const affected = new Set(touched);
    // A group found now may hold members of pieces untouched so far (a change joined them), and
    // a dropped piece's other members need a group again: widen until nothing is left out.
    let groups: string[][] = [];
    for (let widened = true; widened;) {
      widened = false;
      for (const id of affected) {
        const piece = this.#pieceOf.get(id);
        if (piece === undefined) continue;
        this.#removePiece(piece);
        for (const member of piece.members) {
          if (!affected.has(member)) {
            affected.add(member);
            widened = true;
          }
        }
      }
      groups = this.#groups.groupsOf(affected);
      for (const group of groups) {
        for (const id of group) {
          if (!affected.has(id)) {
            affected.add(id);
            widened = true;
          }
        }
      }
    }
    // Groups a change touched are translated one by one (later changes to them then cost only
    // them); the others, whose piece was only shared with them, go back together.
    const own = groups.filter((group) => group.some((id) => touched.has(id)));
    const along = groups.filter((group) => !group.some((id) => touched.has(id)));
    for (const group of [...own, ...batchesOf(along)]) {
      this.#addPiece(this.#translateGroup(group, options));
    }
    this.#step = {
      mode: 'groups',
      ingresses: groups.reduce((sum, group) => sum + group.length, 0),
      groups: groups.length,
    };
    return this.#finish(snapshot, options);
  }

  #translateGroup(members: readonly string[], options: TranslateOptions): GroupPiece {
    const ingresses: StoredObject[] = [];
    const references = new Set<string>();
    const served = new Map<string, StoredObject>();
    for (const id of members) {
      const ingress = this.#objects.get(`Ingress/${id}`);
      if (ingress === undefined) continue;
      ingresses.push(ingress);
      const last = this.#served.get(id);
      if (last !== undefined) served.set(id, last);
      for (const key of this.#keysOf(ingress, last).references) references.add(key);
    }
    const translation = translateKeepingLastGood(
      this.#inputOf(ingresses, references),
      options,
      served,
    );
    return pieceOf(members, references, translation, (key) => this.#merged.baseline(key));
  }

  /** A snapshot of the given Ingresses with the classes and every object they may read. */
  #inputOf(ingresses: StoredObject[], references: ReadonlySet<string>): Snapshot {
    return {
      ingresses,
      ingressClasses: this.#classes,
      ...this.#index.objectsOf([...references, ...this.#globalKeys]),
    };
  }

  #addPiece(piece: GroupPiece): void {
    this.#pieces.add(piece);
    this.#merged.add(piece);
    for (const id of piece.members) {
      this.#pieceOf.set(id, piece);
      const served = piece.served.get(id);
      this.#serve(id, served);
      const ingress = this.#objects.get(`Ingress/${id}`);
      if (ingress !== undefined) this.#groups.set(id, this.#keysOf(ingress, served));
    }
    for (const key of piece.references) {
      let pieces = this.#dependents.get(key);
      if (pieces === undefined) {
        pieces = new Set();
        this.#dependents.set(key, pieces);
      }
      pieces.add(piece);
    }
  }

  #removePiece(piece: GroupPiece): void {
    if (!this.#pieces.delete(piece)) return;
    this.#merged.remove(piece);
    for (const id of piece.members) {
      if (this.#pieceOf.get(id) === piece) this.#pieceOf.delete(id);
    }
    for (const key of piece.references) {
      const pieces = this.#dependents.get(key);
      pieces?.delete(piece);
      if (pieces?.size === 0) this.#dependents.delete(key);
    }
  }

  /** Merges the pieces into the table and results; a whole translation when they disagree. */
  #finish(snapshot: Snapshot, options: TranslateOptions): IncrementalTranslation {
    const merged =
      this.#stale || this.#defaults === null ? null : this.#merged.build(this.#defaults);
    const translation = merged ?? this.#fallback(snapshot, options);
    this.#last = translation;
    return translation;
  }

  /**
   * The whole snapshot translated at once, when the pieces cannot be merged exactly (two
   * default routes, an Ingress default route beside `--default-backend-service`, objects read
   * differently by two groups); the next translation starts over from it.
   */
  #fallback(snapshot: Snapshot, options: TranslateOptions): IncrementalTranslation {
    // The versions served before this translation, not those the pieces just chose.
    const before = new Map(this.#served);
    for (const [id, ingress] of this.#servedBefore) {
      if (ingress === undefined) before.delete(id);
      else before.set(id, ingress);
    }
    const whole = translateKeepingLastGood(snapshot, options, before);
    this.#served.clear();
    for (const [id, ingress] of whole.served) this.#served.set(id, ingress);
    this.#stale = true;
    this.#step = { ...this.#step, mode: 'full', ingresses: snapshot.ingresses.length };
    return whole;
  }

  /** The keys of the objects an Ingress (`namespace/name`) may read, in either version. */
  #referencesOf(id: string): readonly string[] {
    const ingress = this.#objects.get(`Ingress/${id}`);
    return ingress === undefined ? [] : this.#keysOf(ingress, this.#served.get(id)).references;
  }

  /** Sets (or, with undefined, forgets) the served version of an Ingress, noting the old one. */
  #serve(id: string, ingress: StoredObject | undefined): void {
    if (!this.#servedBefore.has(id)) this.#servedBefore.set(id, this.#served.get(id));
    if (ingress === undefined) this.#served.delete(id);
    else this.#served.set(id, ingress);
  }

  /** The result of an object other than an Ingress when no Ingress reads it. */
  #baselineOf(object: StoredObject): ObjectResult {
    const options = this.#options ?? undefined;
    const input = this.#inputOf([], new Set());
    const own = { ...input, [FIELD_BY_KIND[object.kind]]: [object] };
    const result = translate(own, options).results.find(
      (candidate) => objectKey(candidate) === objectKey(object),
    );
    if (result === undefined) throw new Error(`no result for ${objectKey(object)}`);
    return result;
  }

  #keysOf(ingress: StoredObject, served?: StoredObject): IngressKeys {
    let keys = this.#keys.get(ingress);
    if (keys === undefined) {
      keys = ingressKeysOf(ingress);
      this.#keys.set(ingress, keys);
    }
    if (served === undefined || served === ingress) return keys;
    const other = this.#keysOf(served);
    return {
      hosts: [...new Set([...keys.hosts, ...other.hosts])],
      under: [...new Set([...keys.under, ...other.under])],
      wildcards: [...new Set([...keys.wildcards, ...other.wildcards])],
      references: [...new Set([...keys.references, ...other.references])],
    };
  }
}

/**
 * Ingresses translated together when everything is: independent groups may share a piece (the
 * union of their translations is their translation together), and a dozen or so Ingresses per
 * `translate()` call cost about what one call for all of them does, where one call per group
 * would cost its fixed part ten thousand times. A change to a piece translates its groups again
 * one by one, so pieces get finer where changes happen.
 */
const BATCH_INGRESSES = 16;

function batchesOf(groups: readonly (readonly string[])[]): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  for (const group of groups) {
    batch.push(...group);
    if (batch.length >= BATCH_INGRESSES) {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** The kinds whose edits can take the endpoint fast path. */
const FAST_PATH_KINDS: ReadonlySet<StoredObject['kind']> = new Set(['EndpointSlice', 'Service']);

function ingressId(object: { readonly namespace: string; readonly name: string }): string {
  return `${object.namespace}/${object.name}`;
}

/** Options equal but for the time. */
function sameOptions(a: TranslateOptions, b: TranslateOptions | null): boolean {
  if (b === null) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('now');
  for (const key of keys) {
    const name = key as keyof TranslateOptions;
    if (!isDeepStrictEqual(a[name], b[name])) return false;
  }
  return true;
}

function globalKeysOf(options: TranslateOptions): ReadonlySet<string> {
  const keys = new Set<string>();
  for (const ref of [options.defaultBackendService, options.defaultCertificate]) {
    if (ref != null) keys.add(`${ref.namespace}/${ref.name}`);
  }
  return keys;
}
