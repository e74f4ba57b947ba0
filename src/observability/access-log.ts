import { pino } from 'pino';
import type { RequestObserver, RequestRecord } from '../dataplane/index.ts';
import type { Endpoint } from '../ir/index.ts';
import type { Logger } from './logger.ts';

/** Where access log lines go: nowhere, standard output, or a file (appended to). */
export type AccessLogTarget =
  | { readonly kind: 'off' }
  | { readonly kind: 'stdout' }
  | { readonly kind: 'file'; readonly path: string };

/** What the `--access-log*` flags set. */
export interface AccessLogSettings {
  readonly target: AccessLogTarget;
  /** Request paths (exact, query ignored) whose successful requests are not logged. */
  readonly skipPaths: readonly string[];
  /** Share of successful requests logged, 0 to 1; requests with errors are always logged. */
  readonly sampleRatio: number;
}

/** The settings when no flag is given: every request, on standard output. */
export const DEFAULT_ACCESS_LOG: AccessLogSettings = Object.freeze({
  target: Object.freeze({ kind: 'stdout' as const }),
  skipPaths: Object.freeze([]),
  sampleRatio: 1,
});

/** Options of {@link createAccessLog}. */
export interface AccessLogOptions extends AccessLogSettings {
  /** Where destination errors (a full disk, a closed pipe) are reported. */
  readonly logger: Logger;
  /** Replaces the target's stream (tests). */
  readonly destination?: NodeJS.WritableStream;
  /** Draws the sampling numbers in [0, 1); `Math.random` by default. */
  readonly random?: () => number;
}

/** An access log: a request observer that writes one JSON line per request. */
export interface AccessLog extends RequestObserver {
  /** Writes what is buffered and closes the file; resolves within about two seconds. */
  close(): Promise<void>;
}

/** The fields of an access log line after `time` (ISO 8601) and `component: "access"`. */
export interface AccessLogLine {
  readonly requestId: string;
  readonly client: string;
  readonly method: string;
  readonly host: string | null;
  readonly path: string;
  readonly status: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  readonly upstreamMs: number | null;
  readonly namespace: string | null;
  readonly ingress: string | null;
  readonly service: string | null;
  readonly endpoint: string | null;
  readonly error: string | null;
  readonly retries: number;
  readonly listener: string;
  readonly proto: string;
  readonly upgrade: boolean;
}

const CLOSE_WAIT_MS = 2_000;

/**
 * Creates the access log, or null when its target is off. Lines are written asynchronously
 * through pino's destination (sonic-boom, `sync: false`): a slow disk or reader never blocks
 * the event loop, and what is buffered is written by {@link AccessLog.close}. The time of a
 * line is when the request ended.
 */
export function createAccessLog(options: AccessLogOptions): AccessLog | null {
  const { target } = options;
  if (target.kind === 'off' && options.destination === undefined) return null;
  const destination: { write(line: string): unknown } =
    options.destination ?? openDestination(target);
  const boom = isSonicBoom(destination) ? destination : null;
  let reported = false;
  boom?.on('error', (error: unknown) => {
    if (reported) return;
    reported = true;
    options.logger.error({ component: 'access-log', err: error }, 'cannot write the access log');
  });
  const skip = new Set(options.skipPaths);
  const ratio = options.sampleRatio;
  const random = options.random ?? Math.random;
  const clock = isoClock();
  return {
    onRequestEnd(record: RequestRecord): void {
      if (record.error === null && record.status < 400) {
        if (skip.size > 0 && skip.has(pathOnly(record.path))) return;
        if (ratio < 1 && random() >= ratio) return;
      }
      // Formatted here rather than by a pino logger: the line is flat and of a known shape,
      // and pino's serialiser took twice as long per line when measured.
      destination.write(formatAccessLine(record, clock()));
    },
    close: () => (boom === null ? Promise.resolve() : closeDestination(boom)),
  };
}

/**
 * One request's line: `time` (ISO 8601) and `component`, then the fields of
 * {@link AccessLogLine} in that order. Built as text, every string through JSON.stringify:
 * building an object for JSON.stringify took twice as long per line when measured, and the
 * proxy pays it on every request.
 */
export function formatAccessLine(record: RequestRecord, time: string): string {
  const routed = record.ingressName !== '';
  const endpoint = record.endpoint;
  const backend = record.backend;
  const upstreamMs = record.upstreamMs < 0 ? 'null' : milliseconds(record.upstreamMs);
  return (
    `{"time":"${time}","component":"access","requestId":${text(record.requestId)},` +
    `"client":${text(record.client)},"method":${text(record.method)},` +
    `"host":${record.host === '' ? 'null' : text(record.host)},"path":${text(record.path)},` +
    `"status":${record.status},"bytesIn":${record.bytesIn},"bytesOut":${record.bytesOut},` +
    `"durationMs":${milliseconds(record.durationMs)},"upstreamMs":${upstreamMs},` +
    `"namespace":${routed ? text(record.ingressNamespace) : 'null'},` +
    `"ingress":${routed ? text(record.ingressName) : 'null'},` +
    `"service":${backend === null ? 'null' : text(backend.service)},` +
    `"endpoint":${endpoint === null ? 'null' : text(endpointText(endpoint))},` +
    `"error":${record.error === null ? 'null' : text(record.error)},` +
    `"retries":${record.retries},"listener":${text(record.listener)},` +
    `"proto":${text(record.proto)},"upgrade":${record.upgrade ? 'true' : 'false'}}\n`
  );
}

/** A JSON string; JSON.stringify only for text that needs escaping (it costs ten times more). */
function text(value: string): string {
  return isPlainAscii(value) ? `"${value}"` : JSON.stringify(value);
}

/** True when no character needs escaping in JSON: printable ASCII but `"` and backslash. */
function isPlainAscii(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

// An IP address with a colon is IPv6 (net.isIPv6's full check costs a microsecond per line).
function endpointText(endpoint: Endpoint): string {
  return endpoint.address.includes(':')
    ? `[${endpoint.address}]:${String(endpoint.port)}`
    : `${endpoint.address}:${String(endpoint.port)}`;
}

// Lines are written in batches of at least BATCH_BYTES (about 25 lines), and at least every
// FLUSH_EVERY_MS: an asynchronous write cost about 20 us of CPU on the machines here, whatever
// its size, where formatting a line costs about 1.5 us. sonic-boom needs it below 16 KiB.
const BATCH_BYTES = 8192;
const FLUSH_EVERY_MS = 1000;

function openDestination(target: AccessLogTarget): Boom {
  const batching = { minLength: BATCH_BYTES, periodicFlush: FLUSH_EVERY_MS, sync: false };
  if (target.kind === 'file')
    return pino.destination({ dest: target.path, mkdir: true, ...batching });
  return pino.destination({ fd: 1, ...batching });
}

type Boom = ReturnType<typeof pino.destination>;

function isSonicBoom(stream: unknown): stream is Boom {
  return typeof (stream as { flushSync?: unknown }).flushSync === 'function';
}

async function closeDestination(boom: Boom): Promise<void> {
  if ((boom as { destroyed?: boolean }).destroyed === true) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((resolve) => {
      boom.once('close', resolve);
      boom.once('error', resolve);
      boom.end();
    }),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
}

/** The current time in ISO 8601, formatted at most once per millisecond. */
function isoClock(): () => string {
  let lastMs = -1;
  let lastText = '';
  return () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      lastText = new Date(now).toISOString();
    }
    return lastText;
  };
}

function pathOnly(target: string): string {
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

function milliseconds(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
