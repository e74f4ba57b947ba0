import type { WrkResult } from './wrk.ts';

/** What one measured run of one proxy gave. */
export interface RunFigures {
  readonly wrk: WrkResult;
  /** The proxy's own user+system CPU time over the run divided by the requests served. */
  readonly cpuUsPerRequest: number;
  /** The largest RSS sampled during the run. */
  readonly rssMiB: number;
  /** The backend's CPU time per request over the same run. */
  readonly backendCpuUsPerRequest: number;
}

/** One proxy's figures over all its rounds. */
export interface Summary {
  readonly label: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerRequest: number;
  /** The largest RSS of any round. */
  readonly rssMiB: number;
  readonly errors: number;
  readonly backendCpuUsPerRequest: number;
}

/** The median (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const upper = sorted[Math.floor(mid)] ?? Number.NaN;
  return Number.isInteger(mid) ? ((sorted[mid - 1] ?? Number.NaN) + upper) / 2 : upper;
}

/** Medians of every figure across `runs`, maximum RSS, and non-2xx responses summed. */
export function summarize(label: string, runs: readonly RunFigures[]): Summary {
  return {
    label,
    requestsPerSecond: median(runs.map((run) => run.wrk.requestsPerSecond)),
    p50Ms: median(runs.map((run) => run.wrk.p50Ms)),
    p99Ms: median(runs.map((run) => run.wrk.p99Ms)),
    cpuUsPerRequest: median(runs.map((run) => run.cpuUsPerRequest)),
    rssMiB: Math.max(...runs.map((run) => run.rssMiB)),
    errors: runs.reduce((sum, run) => sum + run.wrk.non2xx, 0),
    backendCpuUsPerRequest: median(runs.map((run) => run.backendCpuUsPerRequest)),
  };
}

/** One round's figures on one line, for the progress log. */
export function formatRun(label: string, run: RunFigures): string {
  const { wrk } = run;
  const errors = wrk.socketErrors === undefined ? '' : `, socket errors: ${wrk.socketErrors}`;
  return (
    `${label}: ${wrk.requestsPerSecond.toFixed(0)} req/s, p50 ${wrk.p50Ms.toFixed(2)} ms, ` +
    `p99 ${wrk.p99Ms.toFixed(2)} ms, ${run.cpuUsPerRequest.toFixed(1)} us CPU/req, ` +
    `RSS ${run.rssMiB.toFixed(1)} MiB, non-2xx ${String(wrk.non2xx)}${errors}`
  );
}

/** The summaries as a Markdown table. */
export function formatTable(rows: readonly Summary[]): string {
  const header = ['proxy', 'req/s', 'p50 ms', 'p99 ms', 'CPU us/req', 'RSS MiB', 'non-2xx'];
  const cells = rows.map((row) => [
    row.label,
    row.requestsPerSecond.toFixed(0),
    row.p50Ms.toFixed(2),
    row.p99Ms.toFixed(2),
    row.cpuUsPerRequest.toFixed(1),
    row.rssMiB.toFixed(1),
    String(row.errors),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map((line) => (line[i] ?? '').length)),
  );
  const line = (values: readonly string[]): string =>
    `| ${values.map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((width, i) => (i === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

/** What a measured proxy stands for in the report's ratios. */
export type Role =
  'nginx' | 'haproxy' | 'pointsman' | 'many-routes' | 'telemetry-off' | 'telemetry-on';

/**
 * The ratios of one scenario: pointsman against each peer (req/s, p99, CPU per request), the
 * route-count check (req/s with 10,000 more Ingresses / without), and the cost of metrics and
 * the access log (CPU per request with them / with neither).
 */
export function formatRatios(rows: ReadonlyMap<Role, Summary>): string {
  const pointsman = rows.get('pointsman');
  if (pointsman === undefined) return '';
  const ratio = (a: number, b: number): string => (a / b).toFixed(2);
  const lines: string[] = [];
  for (const peer of ['nginx', 'haproxy'] as const) {
    const row = rows.get(peer);
    if (row === undefined) continue;
    lines.push(
      `pointsman/${peer}: req/s ${ratio(pointsman.requestsPerSecond, row.requestsPerSecond)}, ` +
        `p99 ${ratio(pointsman.p99Ms, row.p99Ms)}, ` +
        `CPU per request ${ratio(pointsman.cpuUsPerRequest, row.cpuUsPerRequest)}`,
    );
  }
  const many = rows.get('many-routes');
  if (many !== undefined) {
    lines.push(
      `route-count check, with the extra Ingresses / without: ` +
        `req/s ${ratio(many.requestsPerSecond, pointsman.requestsPerSecond)}, ` +
        `CPU per request ${ratio(many.cpuUsPerRequest, pointsman.cpuUsPerRequest)}`,
    );
  }
  const off = rows.get('telemetry-off');
  const on = rows.get('telemetry-on');
  if (off !== undefined) {
    const cost = (row: Summary, what: string): string =>
      `${what} / neither: CPU per request ${ratio(row.cpuUsPerRequest, off.cpuUsPerRequest)}, ` +
      `req/s ${ratio(row.requestsPerSecond, off.requestsPerSecond)}`;
    lines.push(cost(pointsman, 'telemetry, metrics only'));
    if (on !== undefined) lines.push(cost(on, 'telemetry, metrics and access log'));
  }
  return lines.join('\n');
}
