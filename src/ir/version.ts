import { createHash, hash } from 'node:crypto';
import type { RouteTable } from './route-table.ts';

/**
 * Content of a route table, without its version. The TLS fields may be left out (tables built
 * by hand in tests and benchmarks): no TLS hosts, no configured default certificate and no
 * passthrough hosts.
 */
export type RouteTableContent = Omit<RouteTable, 'version' | 'tls' | 'defaultCertificate'> &
  Partial<Pick<RouteTable, 'tls' | 'defaultCertificate'>>;

/**
 * The digest sums of a table's lists (see {@link sealRouteTable}), for a caller that keeps a
 * table as it changes item by item and adds and subtracts {@link itemDigest}s as it goes.
 */
export interface ListDigests {
  readonly hosts: bigint;
  readonly backends: bigint;
  readonly tls: bigint;
  readonly passthrough: bigint;
}

/**
 * Seals a route table: freezes it deeply and computes its content hash (the version). The
 * content must already be in canonical order. The hash is over the default route and
 * certificate and, per list (hosts, backends, TLS hosts, passthrough hosts), its length and the
 * sum of its items' digests; an item's digest is computed once per (frozen) item. A caller that
 * keeps the sums as items come and go passes them as `sums` (its items must be frozen already),
 * and sealing then costs nothing per item. Equal content gives an equal version however the
 * table was built.
 */
export function sealRouteTable(content: RouteTableContent, sums?: ListDigests): RouteTable {
  const full: Omit<RouteTable, 'version'> = {
    hosts: content.hosts,
    defaultBackend: content.defaultBackend,
    backends: content.backends,
    tls: content.tls ?? [],
    defaultCertificate: content.defaultCertificate ?? null,
    // Left out when empty: one canonical form.
    ...(content.passthrough === undefined || content.passthrough.length === 0
      ? {}
      : { passthrough: content.passthrough }),
  };
  if (sums === undefined) deepFreeze(full);
  else for (const part of Object.values(full) as unknown[]) Object.freeze(part);
  const known = sums ?? {
    hosts: digestSum(full.hosts),
    backends: digestSum(full.backends),
    tls: digestSum(full.tls),
    passthrough: digestSum(full.passthrough ?? []),
  };
  const versionHash = createHash('sha256');
  versionHash.update(
    `default ${digestOf(full.defaultBackend)} ${digestOf(full.defaultCertificate)}\n`,
  );
  versionHash.update(`hosts ${String(full.hosts.length)} ${known.hosts.toString(16)}\n`);
  versionHash.update(`backends ${String(full.backends.length)} ${known.backends.toString(16)}\n`);
  versionHash.update(`tls ${String(full.tls.length)} ${known.tls.toString(16)}\n`);
  const passthrough = full.passthrough?.length ?? 0;
  versionHash.update(`passthrough ${String(passthrough)} ${known.passthrough.toString(16)}\n`);
  return Object.freeze({ version: versionHash.digest('hex').slice(0, 16), ...full });
}

/** 2^128: the sums of digests wrap around at it. */
const DIGEST_SPACE = 1n << 128n;

/** The digest of one (frozen) table item, as a number to add into {@link ListDigests}. */
export function itemDigest(item: object): bigint {
  return BigInt(`0x${digestOf(item)}`);
}

/**
 * The content address of one (frozen) table item: its digest as hex, computed once per item.
 * Equal items have equal addresses, so a receiver that holds an item by its address needs it
 * only once (see table-transfer.ts).
 */
export function contentAddress(item: object): string {
  return digestOf(item);
}

/** Adds (or, with `sign` -1, subtracts) a digest to a sum of digests. */
export function addDigest(sum: bigint, digest: bigint, sign: 1 | -1 = 1): bigint {
  return (((sum + BigInt(sign) * digest) % DIGEST_SPACE) + DIGEST_SPACE) % DIGEST_SPACE;
}

function digestSum(items: readonly object[]): bigint {
  let sum = 0n;
  for (const item of items) sum = addDigest(sum, itemDigest(item));
  return sum;
}

/** Digests of frozen table items, computed once per item (see {@link sealRouteTable}). */
const digests = new WeakMap<object, string>();

function digestOf(value: object | null): string {
  if (value === null) return 'null';
  let digest = digests.get(value);
  if (digest === undefined) {
    digest = hash('sha256', JSON.stringify(value), 'hex').slice(0, 32);
    digests.set(value, digest);
  }
  return digest;
}

/** Freezes a value and everything it holds (what is frozen already is taken as frozen deeply). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) deepFreeze(item);
    } else {
      for (const child of Object.values(value)) deepFreeze(child);
    }
    Object.freeze(value);
  }
  return value;
}
