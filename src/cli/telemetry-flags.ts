import {
  DEFAULT_ACCESS_LOG,
  type AccessLogTarget,
  type TelemetrySettings,
} from '../observability/index.ts';
import { UsageError } from './io.ts';

/** The observability flags of `serve` and `demo`. */
export const TELEMETRY_FLAGS = {
  metrics: { type: 'string' },
  'access-log': { type: 'string' },
  'access-log-skip-paths': { type: 'string' },
  'access-log-sample': { type: 'string' },
} as const;

/** Help lines of {@link TELEMETRY_FLAGS}. */
export const TELEMETRY_FLAGS_HELP = `      --metrics on|off            request and control-plane metrics at /metrics, traffic on the
                                  status page (default: on)
      --access-log off|stdout|PATH
                                  one JSON line per request; PATH is appended to, and opened
                                  again on SIGHUP for log rotation (default: stdout)
      --access-log-skip-paths LIST
                                  comma-separated exact paths (such as /healthz) whose successful
                                  requests are not logged (default: none)
      --access-log-sample RATIO   share of successful requests logged, 0 to 1; errors are always
                                  logged (default: 1)`;

type TelemetryValues = { readonly [K in keyof typeof TELEMETRY_FLAGS]?: string | undefined };

/** The telemetry settings the flags give; usage errors for bad values. */
export function telemetrySettingsFrom(values: TelemetryValues): TelemetrySettings {
  const metrics = values.metrics ?? 'on';
  if (metrics !== 'on' && metrics !== 'off') {
    throw new UsageError(`--metrics must be on or off, not ${JSON.stringify(metrics)}`);
  }
  return {
    metrics: metrics === 'on',
    accessLog: {
      target: accessLogTarget(values['access-log']),
      skipPaths: skipPaths(values['access-log-skip-paths']),
      sampleRatio: sampleRatio(values['access-log-sample']),
    },
  };
}

function accessLogTarget(value: string | undefined): AccessLogTarget {
  if (value === undefined) return DEFAULT_ACCESS_LOG.target;
  if (value === 'off' || value === 'stdout') return { kind: value };
  if (value.trim() === '') throw new UsageError('--access-log must be off, stdout or a file path');
  return { kind: 'file', path: value };
}

function skipPaths(value: string | undefined): readonly string[] {
  const paths = (value ?? '')
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path !== '');
  const bad = paths.find((path) => !path.startsWith('/'));
  if (bad !== undefined) {
    throw new UsageError(
      `--access-log-skip-paths takes paths starting with /, not ${JSON.stringify(bad)}`,
    );
  }
  return paths;
}

function sampleRatio(value: string | undefined): number {
  if (value === undefined) return 1;
  const ratio = /^\s*(?:\d+(?:\.\d*)?|\.\d+)\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new UsageError(
      `--access-log-sample must be a number from 0 to 1, not ${JSON.stringify(value)}`,
    );
  }
  return ratio;
}
