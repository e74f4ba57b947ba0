import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { ParseArgsOptionsConfig } from 'node:util';
import {
  checkElectionTimings,
  DEFAULT_WRITE_RATE,
  defaultBurstFor,
  ELECTION_DEFAULTS,
  MAX_WRITE_RATE,
  parseStatusAddresses,
  podNamespace,
  replicaIdentity,
  type AddressSource,
  type IdentityInputs,
  type StatusSettings,
  type WriteRate,
} from '../status/index.ts';
import { parseDuration, parseInteger } from './duration.ts';
import { UsageError } from './io.ts';

/** Flags of `serve` for leader election, Ingress status and Events (cluster mode only). */
export const STATUS_FLAGS = {
  'update-status': { type: 'string' },
  'election-id': { type: 'string' },
  'election-namespace': { type: 'string' },
  'lease-duration': { type: 'string' },
  'renew-deadline': { type: 'string' },
  'retry-period': { type: 'string' },
  'publish-service': { type: 'string' },
  'publish-status-address': { type: 'string' },
  'status-write-rate': { type: 'string' },
  'status-write-burst': { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

/** The Lease name when `--election-id` is not given. */
export const DEFAULT_ELECTION_ID = 'pointsman-leader';

/** Help text of {@link STATUS_FLAGS}. */
export const STATUS_FLAGS_HELP = `
  Ingress status and Events (with --kubeconfig or --in-cluster; only the elected leader writes):
      --update-status on|off      elect a leader, publish the address on our Ingresses and record
                                  Events for rejected ones (default: on)
      --publish-service NS/NAME   publish this Service's address: its load balancer's, else its
                                  external IPs, else its cluster IP (NAME alone: our namespace)
      --publish-status-address LIST
                                  publish these comma-separated IPs or host names instead
      --election-id NAME          name of the coordination.k8s.io Lease (default: ${DEFAULT_ELECTION_ID})
      --election-namespace NS     namespace of the Lease (default: POD_NAMESPACE, else the service
                                  account's namespace, else default)
      --lease-duration DUR        how long others wait before taking an unrenewed Lease (default: 15s)
      --renew-deadline DUR        how long the leader keeps acting without renewing (default: 10s)
      --retry-period DUR          time between attempts to acquire or renew (default: 2s)
      --status-write-rate N       API requests per second of the leader's status writer: status
                                  updates, Events and the reads they need; not the Lease or the
                                  watches (default: ${String(DEFAULT_WRITE_RATE.requestsPerSecond)}; 10,000 new Ingresses take about 100s)
      --status-write-burst N      requests it may send at once after a quiet spell (default:
                                  twice the rate, ${String(DEFAULT_WRITE_RATE.burst)})`;

type StatusValues = { readonly [K in keyof typeof STATUS_FLAGS]?: string | undefined };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Where the defaults come from in a real process. */
export const PROCESS_IDENTITY_INPUTS: IdentityInputs = {
  env: process.env,
  readFile: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  hostname,
};

/**
 * The status settings the flags give, with the defaults filled in from the environment
 * (`POD_NAMESPACE`, `POD_NAME`, the service account's namespace file, the host name).
 * Throws a {@link UsageError} for bad values.
 */
export function statusSettingsFrom(
  values: StatusValues,
  inputs: IdentityInputs = PROCESS_IDENTITY_INPUTS,
): StatusSettings {
  const update = values['update-status'] ?? 'on';
  if (update !== 'on' && update !== 'off') {
    throw new UsageError(`--update-status must be on or off, not ${JSON.stringify(update)}`);
  }
  const id = values['election-id'] ?? DEFAULT_ELECTION_ID;
  if (!DNS_SUBDOMAIN.test(id)) {
    throw new UsageError(`--election-id: ${JSON.stringify(id)} is not a valid Lease name`);
  }
  const namespace = values['election-namespace'] ?? podNamespace(inputs);
  if (!DNS_LABEL.test(namespace)) {
    throw new UsageError(`--election-namespace: ${JSON.stringify(namespace)} is not a namespace`);
  }
  return {
    enabled: update === 'on',
    election: { id, namespace, identity: replicaIdentity(inputs), ...timings(values) },
    addressSource: addressSourceOf(values, podNamespace(inputs)),
    writeRate: writeRateOf(values),
  };
}

function writeRateOf(values: StatusValues): WriteRate {
  const rate = values['status-write-rate'];
  const burst = values['status-write-burst'];
  const max = MAX_WRITE_RATE;
  let requestsPerSecond = DEFAULT_WRITE_RATE.requestsPerSecond;
  if (rate !== undefined) {
    // A decimal number, as client-go's QPS (a float): 0.5 is one request every 2 seconds.
    requestsPerSecond = /^\d+(\.\d+)?$/.test(rate.trim()) ? Number(rate) : Number.NaN;
    if (!(requestsPerSecond > 0 && requestsPerSecond <= max.requestsPerSecond)) {
      throw new UsageError(
        `--status-write-rate must be a number of requests per second above 0 and at most ${String(max.requestsPerSecond)}, not ${JSON.stringify(rate)}`,
      );
    }
  }
  return {
    requestsPerSecond,
    burst:
      burst === undefined
        ? defaultBurstFor(requestsPerSecond)
        : parseInteger('status-write-burst', burst, 1, max.burst),
  };
}

function timings(values: StatusValues): {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
} {
  const duration = (flag: keyof StatusValues, fallback: number): number => {
    const value = values[flag];
    return value === undefined ? fallback : parseDuration(flag, value);
  };
  const result = {
    leaseDurationMs: duration('lease-duration', ELECTION_DEFAULTS.leaseDurationMs),
    renewDeadlineMs: duration('renew-deadline', ELECTION_DEFAULTS.renewDeadlineMs),
    retryPeriodMs: duration('retry-period', ELECTION_DEFAULTS.retryPeriodMs),
  };
  const problem = checkElectionTimings(result);
  if (problem !== null) {
    throw new UsageError(`--lease-duration, --renew-deadline, --retry-period: ${problem}`);
  }
  return result;
}

function addressSourceOf(values: StatusValues, ownNamespace: string): AddressSource {
  const service = values['publish-service'];
  const list = values['publish-status-address'];
  if (service !== undefined && list !== undefined) {
    throw new UsageError('--publish-service and --publish-status-address cannot be combined');
  }
  if (list !== undefined) {
    const parsed = parseStatusAddresses(list);
    if ('bad' in parsed) {
      throw new UsageError(
        `--publish-status-address: ${JSON.stringify(parsed.bad)} is neither an IP address nor a host name`,
      );
    }
    if (parsed.addresses.length === 0) {
      throw new UsageError('--publish-status-address needs at least one address');
    }
    return { kind: 'static', addresses: parsed.addresses };
  }
  if (service === undefined) return { kind: 'none' };
  const parts = service.split('/');
  const namespace = parts.length === 1 ? ownNamespace : (parts[0] ?? '');
  const name = parts.at(-1) ?? '';
  if (parts.length > 2 || !DNS_LABEL.test(namespace) || !DNS_LABEL.test(name)) {
    throw new UsageError(
      `--publish-service must be NAMESPACE/NAME of a Service, not ${JSON.stringify(service)}`,
    );
  }
  return { kind: 'service', namespace, name };
}
