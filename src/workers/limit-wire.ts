/**
 * The messages between a worker and the shared limit service (limit-service.ts): one JSON array
 * per line over a Unix socket. The first line a worker sends is the service's token (a JSON
 * string); then questions, each answered by `[id, answer]` in any order:
 *
 * - `[id, "admit", client, [[zone, perSecond, burst], ...], hold]`: count a request in every
 *   zone (limit-rps, limit-rpm), then, when `hold` is `[zone, limit]` rather than null, take a
 *   slot of requests in flight (limit-connections): one question per request. The answer is
 *   {@link REFUSED_RATE} (over a burst, counted in no zone), {@link REFUSED_HOLD} (the client
 *   has `limit` in flight; the rates stay counted, as nginx's limit_req before limit_conn), 0
 *   (admitted, no slot asked) or the slot's number (> 0).
 * - `[id, "hold", client, zone, limit]`: only the slot (asked again after a refusal); answered
 *   by the slot's number or {@link REFUSED_HOLD}.
 * - `[0, "free", slot]`: the request ended; no answer. A worker's slots are freed when its
 *   connection closes, so a worker that dies gives back every slot it held.
 *
 * `client` is the five words of limit-state.ts's `clientWords`. Lines are bounded, and a line
 * that is not one of these closes the connection: only workers the control plane started know
 * the token, so a bad line is a bug or an intruder, never a client's request.
 */

/** The longest line either side sends or accepts, newline excluded. */
export const MAX_LIMIT_LINE = 4096;
/** The most zones one `admit` counts in (a route has at most limit-rps and limit-rpm). */
export const MAX_ADMIT_ZONES = 8;
/** The answer to an `admit` over a rate's burst. */
export const REFUSED_RATE = -1;
/** The answer to an `admit` or `hold` whose client has its limit of requests in flight. */
export const REFUSED_HOLD = -2;

/** A zone of an `admit`: its name, the rate it drains at (per second), its burst. */
export type WireZone = readonly [name: string, perSecond: number, burst: number];

/** A question of a worker. */
export type LimitQuestion =
  | readonly [
      id: number,
      op: 'admit',
      client: readonly number[],
      zones: readonly WireZone[],
      hold: readonly [zone: string, limit: number] | null,
    ]
  | readonly [id: number, op: 'hold', client: readonly number[], zone: string, limit: number]
  | readonly [id: 0, op: 'free', slot: number];

const CLIENT_WORDS = 5;
const MAX_ZONE_NAME = 1024;
const MAX_NUMBER = 1e9;

/** A question read from a line, or why the line is not one. */
export function parseQuestion(line: string): LimitQuestion | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (!Array.isArray(value)) return 'not an array';
  const [id, op] = value as unknown[];
  if (op === 'free') {
    const hold: unknown = value[2];
    if (id !== 0 || value.length !== 3 || !isCount(hold)) return 'a free is [0, "free", slot]';
    return [0, 'free', hold];
  }
  if (!isCount(id)) return 'the id is not a positive integer';
  const client: unknown = value[2];
  if (!isClient(client)) return 'the client is not five 32-bit integers';
  if (op === 'admit') {
    const zones: unknown = value[3];
    const hold: unknown = value[4];
    if (value.length !== 5 || !Array.isArray(zones)) {
      return 'an admit is [id, "admit", client, zones, hold]';
    }
    if (zones.length > MAX_ADMIT_ZONES) return 'an admit counts in at most 8 zones';
    if (!zones.every(isZone)) return 'a zone is [name, perSecond, burst]';
    if (hold === null) {
      return zones.length === 0
        ? 'an admit asks for a zone or a hold'
        : [id, 'admit', client, zones, null];
    }
    if (!Array.isArray(hold) || hold.length !== 2 || !isZoneName(hold[0]) || !isCount(hold[1])) {
      return 'a hold of an admit is [zone, limit] or null';
    }
    return [id, 'admit', client, zones, [hold[0], hold[1]]];
  }
  if (op === 'hold') {
    const [, , , zone, limit] = value as unknown[];
    if (value.length !== 5 || !isZoneName(zone) || !isCount(limit)) {
      return 'a hold is [id, "hold", client, zone, limit]';
    }
    return [id, 'hold', client, zone, limit];
  }
  return 'unknown operation';
}

/**
 * The line of an `admit` (without its newline), written by hand rather than with
 * JSON.stringify of a fresh array: it is sent for every request on a route with limits.
 */
export function admitLine(
  id: number,
  client: Int32Array,
  zones: readonly { readonly name: string; readonly perSecond: number; readonly burst: number }[],
  hold: { readonly zone: string; readonly limit: number } | null,
): string {
  let wire = '';
  for (const zone of zones) {
    wire += `${wire === '' ? '' : ','}[${JSON.stringify(zone.name)},${String(zone.perSecond)},${String(zone.burst)}]`;
  }
  const held = hold === null ? 'null' : `[${JSON.stringify(hold.zone)},${String(hold.limit)}]`;
  return `[${String(id)},"admit",[${client.join(',')}],[${wire}],${held}]`;
}

/** The line of a `hold` (without its newline). */
export function holdLine(id: number, client: Int32Array, zone: string, limit: number): string {
  return `[${String(id)},"hold",[${client.join(',')}],${JSON.stringify(zone)},${String(limit)}]`;
}

/**
 * An answer `[id, value]` read by hand (every request on a route with limits gets one): null
 * unless the id is a positive integer and the value an integer from {@link REFUSED_HOLD} up.
 */
export function parseAnswer(line: string): readonly [id: number, value: number] | null {
  const comma = line.indexOf(',');
  if (line[0] !== '[' || line[line.length - 1] !== ']' || comma < 0) return null;
  const id = Number(line.slice(1, comma));
  const value = Number(line.slice(comma + 1, -1));
  if (!isCount(id) || !Number.isSafeInteger(value) || value < REFUSED_HOLD) return null;
  return [id, value];
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0 && (value as number) <= 2 ** 52;
}

function isClient(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.length === CLIENT_WORDS &&
    value.every(
      (word) =>
        Number.isInteger(word) && (word as number) >= -(2 ** 31) && (word as number) < 2 ** 31,
    )
  );
}

function isZoneName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ZONE_NAME;
}

function isZone(value: unknown): value is WireZone {
  if (!Array.isArray(value) || value.length !== 3) return false;
  const [name, perSecond, burst] = value as unknown[];
  return isZoneName(name) && isRate(perSecond) && isRate(burst);
}

function isRate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_NUMBER;
}

/**
 * Splits a byte stream into lines, bounded: `onLine` gets each line without its newline;
 * `onOverflow` is called (and nothing more read) when a line passes {@link MAX_LIMIT_LINE}.
 * Written here rather than with node:readline, which buffers a line of any length.
 */
export class LineReader {
  #partial = '';
  #broken = false;
  readonly #onLine: (line: string) => void;
  readonly #onOverflow: () => void;

  constructor(onLine: (line: string) => void, onOverflow: () => void) {
    this.#onLine = onLine;
    this.#onOverflow = onOverflow;
  }

  push(chunk: string): void {
    if (this.#broken) return;
    const text = this.#partial + chunk;
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      if (newline - start > MAX_LIMIT_LINE) {
        this.#overflow();
        return;
      }
      this.#onLine(text.slice(start, newline));
      // onLine may have stopped the reader (a bad line closes the connection).
      if (this.#stopped()) return;
      start = newline + 1;
    }
    if (text.length - start > MAX_LIMIT_LINE) {
      this.#overflow();
      return;
    }
    this.#partial = text.slice(start);
  }

  #overflow(): void {
    this.stop();
    this.#onOverflow();
  }

  #stopped(): boolean {
    return this.#broken;
  }

  /** Reads nothing more (the connection is closing). */
  stop(): void {
    this.#broken = true;
    this.#partial = '';
  }
}
