import {
  NO_ACCESS_MATERIALS,
  type AccessMaterials,
  type Certificates,
  type RouteTable,
  type UpstreamTlsMaterials,
} from '../ir/index.ts';
import { compileRouteTable, type CompiledTable } from './compile/index.ts';
import type { CertificateStore } from './tls/index.ts';

/** Options of {@link TableHolder}. */
export interface TableHolderOptions {
  /** The HTTPS listener's certificates, brought in step with each table that goes live. */
  readonly certificates?: CertificateStore;
}

/**
 * Holds the live compiled table. A swap is one assignment; a request reads `current` once and
 * keeps that table to its end (retries included), so a swap never changes a request in flight.
 */
export class TableHolder {
  #current: CompiledTable | null = null;
  readonly #certificates: CertificateStore | undefined;

  constructor(options: TableHolderOptions = {}) {
    this.#certificates = options.certificates;
  }

  /** The live table, or null before the first one (requests then get 503). */
  get current(): CompiledTable | null {
    return this.#current;
  }

  /**
   * Compiles and installs a table, and the key material of its certificates, of its proxy-ssl
   * Secrets and of its access policies (by version); returns false (and does nothing) when its version is live.
   * A changed certificate changes the table's version, so rotation takes this same path.
   */
  swap(
    table: RouteTable,
    certificates: Certificates = new Map(),
    upstreamTls: UpstreamTlsMaterials = new Map(),
    access: AccessMaterials = NO_ACCESS_MATERIALS,
  ): boolean {
    if (this.#current?.table.version === table.version) return false;
    const compiled = compileRouteTable(table, upstreamTls, access, this.#current ?? undefined);
    this.#certificates?.update(table, certificates, access);
    this.#current = compiled;
    return true;
  }
}
