import { parseArgs } from 'node:util';
import type { YamlLayout } from './yaml-dir.ts';

/** The modes a run can measure. */
export type Mode = 'k8s' | 'yaml';

/** Options of bench/scale.ts. */
export interface ScaleOptions {
  readonly sizes: number[];
  readonly modes: Mode[];
  readonly edits: number;
  readonly slices: number;
  readonly nginx: boolean;
  readonly nginxReloads: number;
  /** Seconds from ready to every Ingress having an address before "> T s". */
  readonly statusTimeout: number;
  /** Seconds a change may take to show through the proxy before it counts as missed. */
  readonly liveTimeout: number;
  /** Seconds from spawn to ready before a run is abandoned. */
  readonly startTimeout: number;
  /** Milliseconds between polls of the proxy after a change. */
  readonly pollInterval: number;
  /** Milliseconds of quiet between two changes, so each is a single edit, not a burst. */
  readonly pause: number;
  /** Seconds of steady stream with no change before the changes (0: none). */
  readonly rest: number;
  readonly status: boolean;
  readonly yamlLayout: YamlLayout;
  readonly keep: boolean;
  /** Seconds for the whole benchmark; everything is killed past it. */
  readonly timeout: number;
}

/** The --help text. */
export const USAGE = `Usage: node bench/scale.ts [options]

Control plane at scale: N Ingresses (own host, two paths, a Service and an EndpointSlice each),
served by pointsman in Kubernetes mode (in-repo fake API server) and YAML mode (a directory of
manifests), against nginx with the equivalent server blocks, in the same run.

  --sizes LIST           Ingress counts (default: 1000,10000; 30000 works too)
  --modes LIST           k8s,yaml (default: both)
  --edits N              single Ingress edits timed per run (default: 100)
  --slices N             EndpointSlice changes timed in Kubernetes mode (default: 20)
  --nginx on|off         the nginx anchor (default: on)
  --nginx-reloads N      nginx reloads timed per size (default: 3)
  --status on|off        time to all statuses, Kubernetes mode, a second serve (default: on)
  --status-timeout S     seconds to wait for every status address (default: 120)
  --live-timeout S       seconds a change may take to show (default: 30)
  --start-timeout S      seconds from spawn to ready (default: 300)
  --poll-interval MS     between polls of the proxy after a change (default: 5)
  --pause MS             quiet time between two changes (default: 100)
  --rest S               before the changes, seconds of the steady stream with no change,
                         through the proxy and straight to the backend (default: 5; 0: none)
  --yaml-layout files|single
                         YAML mode: one file per app, or one file of all (default: files)
  --keep                 keep the temporary directory (logs, manifests, nginx.conf)
  --timeout S            bound on the whole run (default: 10800)
  -h, --help             this text
`;

function count(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new Error(`--${name} takes a whole number of at least ${String(min)}, not ${value}`);
  }
  return parsed;
}

function onOff(name: string, value: string | undefined): boolean {
  if (value === undefined || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`--${name} takes on or off, not ${value}`);
}

/** Parses `args`; undefined for --help. Throws with a message on a bad flag. */
export function parseOptions(args: readonly string[]): ScaleOptions | undefined {
  const { values } = parseArgs({
    args: [...args],
    options: {
      help: { type: 'boolean', short: 'h' },
      sizes: { type: 'string' },
      modes: { type: 'string' },
      edits: { type: 'string' },
      slices: { type: 'string' },
      nginx: { type: 'string' },
      'nginx-reloads': { type: 'string' },
      status: { type: 'string' },
      'status-timeout': { type: 'string' },
      'live-timeout': { type: 'string' },
      'start-timeout': { type: 'string' },
      'poll-interval': { type: 'string' },
      pause: { type: 'string' },
      rest: { type: 'string' },
      'yaml-layout': { type: 'string' },
      keep: { type: 'boolean' },
      timeout: { type: 'string' },
    },
  });
  if (values.help === true) return undefined;
  const sizes = (values.sizes ?? '1000,10000')
    .split(',')
    .map((size) => count('sizes', size.trim(), 0, 1));
  const modes = (values.modes ?? 'k8s,yaml').split(',').map((mode) => mode.trim());
  for (const mode of modes) {
    if (mode !== 'k8s' && mode !== 'yaml') throw new Error(`--modes takes k8s,yaml, not ${mode}`);
  }
  return {
    sizes,
    modes: modes as Mode[],
    edits: count('edits', values.edits, 100, 1),
    slices: count('slices', values.slices, 20, 0),
    nginx: onOff('nginx', values.nginx),
    nginxReloads: count('nginx-reloads', values['nginx-reloads'], 3, 1),
    status: onOff('status', values.status),
    statusTimeout: count('status-timeout', values['status-timeout'], 120, 1),
    liveTimeout: count('live-timeout', values['live-timeout'], 30, 1),
    startTimeout: count('start-timeout', values['start-timeout'], 300, 1),
    pollInterval: count('poll-interval', values['poll-interval'], 5, 1),
    pause: count('pause', values.pause, 100, 0),
    rest: count('rest', values.rest, 5, 0),
    yamlLayout: layout(values['yaml-layout']),
    keep: values.keep === true,
    timeout: count('timeout', values.timeout, 10_800, 10),
  };
}

function layout(value: string | undefined): YamlLayout {
  if (value === undefined || value === 'files' || value === 'single') return value ?? 'files';
  throw new Error(`--yaml-layout takes files or single, not ${value}`);
}
