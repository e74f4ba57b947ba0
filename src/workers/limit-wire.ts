/**
 * The messages between a worker and the shared limit service (limit-service.ts): one JSON array
 * per line over a Unix socket. The first line a worker sends is the service's token (a JSON
 * string); then questions, each answered by `[id, answer]` in any order:
 *
 * - `[id, "take", client, [[zone, perSecond, burst], ...]]`: count a request in every zone
 *   (limit-rps, limit-rpm); the answer is 1 (let through) or 0 (over a burst, counted nowhere).
 * - `[id, "hold", client, zone, limit]`: count a request in flight (limit-connections); the
 *   answer is the hold's number (> 0), or 0 when the client has `limit` already.
 * - `[0, "free", hold]`: the request ended; no answer. A worker's holds are freed when its
 *   connection closes, so a worker that dies gives back every slot it held.
 *
 * `client` is the five words of limit-state.ts's `clientWords`. Lines are bounded, and a line
 * that is not one of these closes the connection: only workers the control plane started know
 * the token, so a bad line is a bug or an intruder, never a client's request.
 */

/** The longest line either side sends or accepts, newline excluded. */
export const MAX_LIMIT_LINE = 4096;
/** The most zones one `take` counts in (a route has at most limit-rps and limit-rpm). */
export const MAX_TAKE_ZONES = 8;

/** A zone of a `take`: its name, the rate it drains at (per second), its burst. */
export type WireZone = readonly [name: string, perSecond: number, burst: number];

/** A question of a worker. */
export type LimitQuestion =
  | readonly [id: number, op: 'take', client: readonly number[], zones: readonly WireZone[]]
  | readonly [id: number, op: 'hold', client: readonly number[], zone: string, limit: number]
  | readonly [id: 0, op: 'free', hold: number];

/** The service's answer to a `take` or `hold`. */
export type LimitAnswer = readonly [id: number, answer: number];

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
    if (id !== 0 || value.length !== 3 || !isCount(hold)) return 'a free is [0, "free", hold]';
    return [0, 'free', hold];
  }
  if (!isCount(id)) return 'the id is not a positive integer';
  const client: unknown = value[2];
  if (!isClient(client)) return 'the client is not five 32-bit integers';
  if (op === 'take') {
    const zones: unknown = value[3];
    if (value.length !== 4 || !Array.isArray(zones)) return 'a take is [id, "take", client, zones]';
    if (zones.length === 0 || zones.length > MAX_TAKE_ZONES) return 'a take counts in 1 to 8 zones';
    if (!zones.every(isZone)) return 'a zone is [name, perSecond, burst]';
    return [id, 'take', client, zones];
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
