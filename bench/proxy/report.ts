import type { WrkResult } from './wrk.ts';

/** What one measured run of one proxy gave. */
export interface RunFigures {
  readonly wrk: WrkResult;
  /** The proxy's own user+system CPU time over the run divided by the requests served. */
  readonly cpuUsPerRequest: number;
  /** The largest RSS sampled during the run, the proxy's processes summed. */
  readonly rssMiB: number;
  /** The largest RSS of any one of the proxy's processes during the run (a worker, mostly). */
  readonly largestProcessRssMiB: number;
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
  /** The largest RSS of one process in any round. */
  readonly largestProcessRssMiB: number;
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
    largestProcessRssMiB: Math.max(...runs.map((run) => run.largestProcessRssMiB)),
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
    `RSS ${run.rssMiB.toFixed(1)} MiB (largest process ${run.largestProcessRssMiB.toFixed(1)}), non-2xx ${String(wrk.non2xx)}${errors}`
  );
}

/** A Markdown table: the first column left-aligned, the others right-aligned. */
export function markdownTable(
  header: readonly string[],
  cells: readonly (readonly string[])[],
): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map((line) => (line[i] ?? '').length)),
  );
  const line = (values: readonly string[]): string =>
    `| ${values.map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((width, i) => (i === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

/** The summaries as a Markdown table. */
export function formatTable(rows: readonly Summary[]): string {
  const header = [
    'proxy',
    'req/s',
    'p50 ms',
    'p99 ms',
    'CPU us/req',
    'RSS MiB',
    'process RSS MiB',
    'non-2xx',
  ];
  return markdownTable(
    header,
    rows.map((row) => [
      row.label,
      row.requestsPerSecond.toFixed(0),
      row.p50Ms.toFixed(2),
      row.p99Ms.toFixed(2),
      row.cpuUsPerRequest.toFixed(1),
      row.rssMiB.toFixed(1),
      row.largestProcessRssMiB.toFixed(1),
      String(row.errors),
    ]),
  );
}

/** What a measured proxy stands for in the report's ratios. */
export type Role =
  'nginx' | 'haproxy' | 'pointsman' | 'many-routes' | 'telemetry-off' | 'telemetry-on';

/** One proxy's summary with what it stands for and its worker count (threads for HAProxy). */
export interface Row {
  readonly role: Role;
  readonly workers: number;
  readonly summary: Summary;
}

/** A figure a ratio line compares. */
export type Figure = 'req/s' | 'p50' | 'p99' | 'CPU per request';

const FIGURES: Readonly<Record<Figure, (row: Summary) => number>> = {
  'req/s': (row) => row.requestsPerSecond,
  p50: (row) => row.p50Ms,
  p99: (row) => row.p99Ms,
  'CPU per request': (row) => row.cpuUsPerRequest,
};

const ratio = (a: number, b: number): string => (a / b).toFixed(2);

function compare(row: Summary, peer: Summary, figures: readonly Figure[]): string {
  const parts = figures.map((name) => `${name} ${ratio(FIGURES[name](row), FIGURES[name](peer))}`);
  return `${row.label} / ${peer.label}: ${parts.join(', ')}`;
}

function find(rows: readonly Row[], role: Role, workers?: number): Row | undefined {
  return rows.find((row) => row.role === role && (workers ?? row.workers) === row.workers);
}

/**
 * Every row that is not nginx against nginx with the same worker count, then pointsman against
 * HAProxy where their counts match (HAProxy's threads), by `figures`.
 */
export function peerRatios(rows: readonly Row[], figures: readonly Figure[]): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    const nginx = find(rows, 'nginx', row.workers);
    if (row.role !== 'nginx' && nginx !== undefined) {
      lines.push(compare(row.summary, nginx.summary, figures));
    }
  }
  for (const row of rows.filter((each) => each.role === 'pointsman')) {
    const haproxy = find(rows, 'haproxy', row.workers);
    if (haproxy !== undefined) lines.push(compare(row.summary, haproxy.summary, figures));
  }
  return lines;
}

/**
 * The ratios of one scenario at saturation: each proxy against nginx with as many workers
 * (req/s, p99, CPU per request) and pointsman against HAProxy, the route-count check (with
 * 10,000 more Ingresses / without) and the cost of metrics and the access log (with them /
 * with neither), each against pointsman with the same worker count.
 */
export function formatRatios(rows: readonly Row[]): string {
  const lines = peerRatios(rows, ['req/s', 'p99', 'CPU per request']);
  const many = find(rows, 'many-routes');
  const manyBase = many && find(rows, 'pointsman', many.workers);
  if (many !== undefined && manyBase !== undefined) {
    lines.push(
      `route-count check, with the extra Ingresses / without: ` +
        `req/s ${ratio(many.summary.requestsPerSecond, manyBase.summary.requestsPerSecond)}, ` +
        `CPU per request ${ratio(many.summary.cpuUsPerRequest, manyBase.summary.cpuUsPerRequest)}`,
    );
  }
  const off = find(rows, 'telemetry-off');
  const metrics = off && find(rows, 'pointsman', off.workers);
  const on = find(rows, 'telemetry-on');
  if (off !== undefined) {
    const cost = (row: Summary, what: string): string =>
      `${what} / neither: CPU per request ${ratio(row.cpuUsPerRequest, off.summary.cpuUsPerRequest)}, ` +
      `req/s ${ratio(row.requestsPerSecond, off.summary.requestsPerSecond)}`;
    if (metrics !== undefined) lines.push(cost(metrics.summary, 'telemetry, metrics only'));
    if (on !== undefined) lines.push(cost(on.summary, 'telemetry, metrics and access log'));
  }
  return lines.join('\n');
}
