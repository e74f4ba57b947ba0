/**
 * A read-only map made of a shared base and a small layer of changes over it, so that a table
 * derived from the live one by a few changes costs those changes, not a copy of every entry.
 * When the layer grows past a fraction of the base, the two are folded into a new base.
 */
export class LayeredMap<V> {
  readonly #base: ReadonlyMap<string, V>;
  /** Changes over the base; null marks a key removed. */
  readonly #layer: ReadonlyMap<string, V | null>;
  readonly size: number;

  private constructor(
    base: ReadonlyMap<string, V>,
    layer: ReadonlyMap<string, V | null>,
    size: number,
  ) {
    this.#base = base;
    this.#layer = layer;
    this.size = size;
  }

  /** A map of these entries (a later entry for a key does not replace the first). */
  static of<V>(entries: Iterable<readonly [string, V]>): LayeredMap<V> {
    const base = new Map<string, V>();
    for (const [key, value] of entries) if (!base.has(key)) base.set(key, value);
    return new LayeredMap<V>(base, new Map(), base.size);
  }

  /** The value of a key, or undefined. */
  get(key: string): V | undefined {
    if (this.#layer.size > 0) {
      const changed = this.#layer.get(key);
      if (changed !== undefined) return changed ?? undefined;
    }
    return this.#base.get(key);
  }

  /** This map with the changes applied (null removes a key); this one is left as it is. */
  with(changes: ReadonlyMap<string, V | null>): LayeredMap<V> {
    if (changes.size === 0) return this;
    let size = this.size;
    for (const [key, value] of changes) {
      size += (value === null ? 0 : 1) - (this.get(key) === undefined ? 0 : 1);
    }
    const layer = new Map(this.#layer);
    for (const [key, value] of changes) layer.set(key, value);
    if (layer.size <= Math.max(64, this.#base.size / 16)) {
      return new LayeredMap(this.#base, layer, size);
    }
    const base = new Map(this.#base);
    for (const [key, value] of layer) {
      if (value === null) base.delete(key);
      else base.set(key, value);
    }
    return new LayeredMap<V>(base, new Map(), size);
  }
}
