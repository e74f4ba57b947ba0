/**
 * Memory of the rate-limit state under a flood of distinct client addresses: every address
 * sends one request through the limit-rps + limit-connections check of one route (the slot is
 * given back at once, as when a request ends), so each leaves rate state behind. The state is a
 * fixed-capacity LRU (DEFAULT_LIMIT_ENTRIES), so peak memory must not grow with the flood.
 * With `hold` after the count, every client keeps its slot (never released), as an attacker
 * holding connections open: in-flight counts are never evicted, so once the table is full of
 * them new clients are refused, and memory must stay as flat.
 * Run: `/usr/bin/time -v node bench/rate-limit-memory.ts 10000` then `... 1000000`, and compare
 * "Maximum resident set size". Prints the entries held and the heap after a full GC when
 * `--expose-gc` is given.
 */
import type { RateLimitPolicy } from '../src/ir/index.ts';
import { DEFAULT_LIMIT_ENTRIES, LimitState } from '../src/dataplane/policy/limit-state.ts';
import { LocalLimits } from '../src/dataplane/policy/limit-counter.ts';
import { rateLimitVerdict } from '../src/dataplane/policy/rate-limit-gate.ts';

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const count = Number(process.argv[2] ?? '1000000');
const hold = process.argv[3] === 'hold';
if (!Number.isSafeInteger(count) || count < 1) {
  throw new Error('usage: rate-limit-memory.ts COUNT [hold]');
}

const limits: RateLimitPolicy = {
  rps: 10,
  burstMultiplier: 5,
  connections: 10,
  requestStatus: 503,
  connectionStatus: 503,
};
let clock = 0;
const state = new LimitState({ now: () => clock });
const counter = new LocalLimits(state);
let refused = 0;
let maxHeld = 0;
// RSS at each tenth of the run: flat once the table is full, whatever the flood's size.
const rssAt: string[] = [];
const start = performance.now();
for (let i = 0; i < count; i++) {
  clock += 0.001;
  // Half IPv4 (10.x.y.z), half IPv6 (2001:db8::/32 with the counter in the low bits).
  const client =
    i % 2 === 0
      ? `10.${String((i >>> 16) & 255)}.${String((i >>> 8) & 255)}.${String(i & 255)}`
      : `2001:db8::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`;
  const verdict = rateLimitVerdict(limits, {
    zone: 'default/flooded',
    client,
    state: counter,
    onEnd: (release) => {
      if (!hold) release();
    },
  });
  if (verdict instanceof Promise) throw new Error('local limits answer at once');
  if (verdict.kind !== 'pass') refused++;
  if (state.bucketCount > maxHeld) maxHeld = state.bucketCount;
  if ((i + 1) % Math.ceil(count / 10) === 0) rssAt.push(mb(process.memoryUsage().rss));
}
const elapsed = performance.now() - start;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const memory = process.memoryUsage();
console.log(
  JSON.stringify({
    distinctClients: count,
    hold,
    capacity: DEFAULT_LIMIT_ENTRIES,
    maxEntriesHeld: maxHeld,
    inFlightLeft: state.inFlightCount,
    refused,
    nsPerRequest: Math.round((elapsed * 1e6) / count),
    rssMbAtEachTenth: rssAt,
    rssMb: mb(memory.rss),
    heapUsedMb: mb(memory.heapUsed),
    heapAfterGc: gc !== undefined,
  }),
);
