import type { NginxFigures } from './nginx-anchor.ts';
import type { ServeRss } from './serve.ts';
import type { StreamFigures } from './steady-stream.ts';

/** One (mode, N) row: undefined where the figure was not measured or not reached. */
export interface ModeFigures {
  readonly mode: string;
  readonly count: number;
  readonly startMs: number | undefined;
  readonly rssReady: ServeRss;
  readonly rssAfter: ServeRss | undefined;
  /** One per edit, ms; NaN for an edit not seen within the limit. */
  readonly editMs: readonly number[];
  readonly sliceMs: readonly number[];
  /** The steady stream with no change: through the proxy, and straight to the backend. */
  readonly rest: { readonly proxy: StreamFigures; readonly direct: StreamFigures } | undefined;
  readonly editStream: StreamFigures | undefined;
  readonly sliceStream: StreamFigures | undefined;
  /** Seconds from ready to all statuses; `timeout` when not reached. */
  readonly statuses:
    { readonly seconds: number; readonly reached: boolean; readonly count: number } | undefined;
  /** 1-minute load average when the row was done. */
  readonly load: number;
}

/** Nearest-rank percentile `p` (0-1) of the finite values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}

function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** KiB as whole MiB; `-` when not measured. */
export function mib(kib: number | undefined): string {
  return kib === undefined || kib === 0 ? '-' : (kib / 1024).toFixed(0);
}

function misses(values: readonly number[]): string {
  const missed = values.filter((value) => !Number.isFinite(value)).length;
  return missed === 0 ? '' : ` (${String(missed)} missed)`;
}

function p50p99(values: readonly number[]): string {
  if (values.length === 0) return '-';
  return `${ms(percentile(values, 0.5))} / ${ms(percentile(values, 0.99))}${misses(values)}`;
}

function stall(stream: StreamFigures | undefined): string {
  if (stream === undefined) return '-';
  const failed = stream.failures > 0 ? `, ${String(stream.failures)} failed` : '';
  return `${ms(stream.longestMs)}${failed}`;
}

function statuses(figures: ModeFigures['statuses']): string {
  if (figures === undefined) return '-';
  return figures.reached
    ? `${figures.seconds.toFixed(1)} s`
    : `> ${figures.seconds.toFixed(0)} s (${String(figures.count)} done)`;
}

/** A Markdown table: `header` then `rows`, columns padded, numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, 3, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((width, column) => (column === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** The pointsman rows. */
export function pointsmanTable(rows: readonly ModeFigures[]): string {
  return table(
    [
      'mode, Ingresses',
      'start to ready ms',
      'RSS ready / after edits MiB',
      'control plane ready / after MiB',
      'edit to live p50 / p99 ms',
      'slice to live p50 / p99 ms',
      'at rest proxy / direct ms',
      'stall during edits ms',
      'stall during slices ms',
      'all statuses',
      'load',
    ],
    rows.map((row) => [
      `${row.mode}, ${row.count.toLocaleString('en')}`,
      ms(row.startMs),
      `${mib(row.rssReady.treeKiB)} / ${mib(row.rssAfter?.treeKiB)}`,
      `${mib(row.rssReady.controlPlaneKiB)} / ${mib(row.rssAfter?.controlPlaneKiB)}`,
      p50p99(row.editMs),
      p50p99(row.sliceMs),
      row.rest === undefined
        ? '-'
        : `${ms(row.rest.proxy.longestMs)} / ${ms(row.rest.direct.longestMs)}`,
      stall(row.editStream),
      stall(row.sliceStream),
      statuses(row.statuses),
      row.load.toFixed(1),
    ]),
  );
}

/** The nginx rows. */
export function nginxTable(
  rows: readonly { count: number; figures: NginxFigures; load: number }[],
): string {
  return table(
    [
      'nginx, server blocks',
      'nginx -t ms',
      'start to answering ms',
      'master RSS / +worker MiB',
      'master RSS after reloads MiB',
      'reload to live median / max ms',
      'load',
    ],
    rows.map(({ count, figures, load }) => [
      `nginx, ${count.toLocaleString('en')}`,
      ms(figures.testMs),
      ms(figures.startMs),
      `${mib(figures.masterRssKiB)} / ${mib(figures.totalRssKiB)}`,
      mib(figures.masterRssAfterKiB),
      `${ms(percentile(figures.reloadMs, 0.5))} / ${ms(Math.max(...figures.reloadMs))}${misses(figures.reloadMs)}`,
      load.toFixed(1),
    ]),
  );
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) {
    return '-';
  }
  return (a / b).toFixed(a / b < 0.1 ? 3 : 2);
}

/** pointsman / nginx at the same N, where the figures answer the same question. */
export function ratioTable(
  rows: readonly ModeFigures[],
  anchors: ReadonlyMap<number, NginxFigures>,
): string {
  return table(
    [
      'pointsman / nginx',
      'start to ready / start to answering',
      'edit p50 / reload median',
      'edit p99 / reload max',
      'RSS after edits / master+worker RSS',
    ],
    rows.map((row) => {
      const nginx = anchors.get(row.count);
      return [
        `${row.mode}, ${row.count.toLocaleString('en')}`,
        ratio(row.startMs, nginx?.startMs),
        ratio(percentile(row.editMs, 0.5), nginx && percentile(nginx.reloadMs, 0.5)),
        ratio(percentile(row.editMs, 0.99), nginx && Math.max(...nginx.reloadMs)),
        ratio(row.rssAfter?.treeKiB, nginx?.totalRssKiB),
      ];
    }),
  );
}
