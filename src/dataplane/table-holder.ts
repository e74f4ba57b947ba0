import type { RouteTable } from '../ir/index.ts';
import { compileRouteTable, type CompiledTable } from './compile/index.ts';

/**
 * Holds the live compiled table. A swap is one assignment; a request reads `current` once and
 * keeps that table to its end (retries included), so a swap never changes a request in flight.
 */
export class TableHolder {
  #current: CompiledTable | null = null;

  /** The live table, or null before the first one (requests then get 503). */
  get current(): CompiledTable | null {
    return this.#current;
  }

  /** Compiles and installs a table; returns false (and does nothing) when its version is live. */
  swap(table: RouteTable): boolean {
    if (this.#current?.table.version === table.version) return false;
    this.#current = compileRouteTable(table);
    return true;
  }
}
