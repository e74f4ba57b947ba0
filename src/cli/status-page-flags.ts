import { BlockList, isIP } from 'node:net';
import type { ParseArgsOptionsConfig } from 'node:util';
import { parseInteger } from './duration.ts';
import { UsageError } from './io.ts';

/**
 * Flags of the status listener (the status page, `/debug/*`, `/api/*`), for `serve` and `demo`.
 * Not to be confused with the Ingress status flags of status-flags.ts.
 */
export const STATUS_PAGE_FLAGS = {
  'status-port': { type: 'string' },
  'status-bind': { type: 'string' },
  'status-bind-any': { type: 'boolean' },
} as const satisfies ParseArgsOptionsConfig;

/** Where the status listener listens when no flag says otherwise. */
export const STATUS_PAGE_DEFAULTS = { port: 10255, bind: '127.0.0.1' } as const;

/** Help lines of {@link STATUS_PAGE_FLAGS}. */
export const STATUS_PAGE_FLAGS_HELP = `      --status-port PORT          status listener port: the status page, /debug/*, /api/*
                                  (default: ${String(STATUS_PAGE_DEFAULTS.port)}; 0 picks a free one)
      --status-bind ADDR          loopback address of the status listener; from outside the Pod
                                  use kubectl port-forward (default: ${STATUS_PAGE_DEFAULTS.bind})
      --status-bind-any           allow a non-loopback --status-bind: the status views have no
                                  authentication, so only behind access control of your own`;

type StatusPageValues = {
  readonly 'status-port'?: string | undefined;
  readonly 'status-bind'?: string | undefined;
  readonly 'status-bind-any'?: boolean | undefined;
};

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for an IP literal of the loopback interface (127.0.0.0/8, ::1, and IPv4-mapped forms). */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The status listener's port and address from the flags. The views it serves (routes, Pod IPs,
 * Secret names, traffic) have no authentication, so a non-loopback address is a usage error
 * unless `--status-bind-any` says it is meant. A boolean opt-in rather than a token: a token
 * would need a file to read it from, a constant-time comparison, and a way for the page's own
 * requests to carry it, while `kubectl port-forward` already gives loopback access to exactly
 * those who may reach the Pod through the API server (RBAC on `pods/portforward`). A host name
 * is refused as well: what it resolves to is not known here.
 */
export function statusPageSettingsFrom(values: StatusPageValues): {
  statusPort: number;
  statusBind: string;
} {
  const port = values['status-port'];
  const bind = values['status-bind'];
  if (values['status-bind-any'] === true && bind === undefined) {
    throw new UsageError(
      '--status-bind-any only allows a non-loopback --status-bind ADDR: add one',
    );
  }
  if (bind !== undefined && values['status-bind-any'] !== true && !isLoopbackAddress(bind)) {
    throw new UsageError(
      `--status-bind ${JSON.stringify(bind)} is not a loopback address: the status page, /debug/ ` +
        `and /api/ have no authentication and show routes, Pod IPs and Secret names. Use ` +
        `127.0.0.1 or ::1 (reach it with kubectl port-forward), or add --status-bind-any to ` +
        `expose them anyway`,
    );
  }
  return {
    statusPort:
      port === undefined ? STATUS_PAGE_DEFAULTS.port : parseInteger('status-port', port, 0, 65535),
    statusBind: bind ?? STATUS_PAGE_DEFAULTS.bind,
  };
}
