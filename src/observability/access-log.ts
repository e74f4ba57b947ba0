import type { RequestObserver, RequestRecord } from '../dataplane/index.ts';
import type { Endpoint } from '../ir/index.ts';
import {
  DEFAULT_MAX_BUFFER_BYTES,
  openDestination,
  type Destination,
} from './access-log-destination.ts';
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
  /** Where destination errors (a full disk, a closed pipe) and dropped lines are reported. */
  readonly logger: Logger;
  /** Replaces the target's stream (tests); it is neither bounded, reopened nor closed. */
  readonly destination?: NodeJS.WritableStream;
  /**
   * Replaces the target: each line is handed to it (a data-plane worker relays its lines to
   * the control plane, which writes them to the target).
   */
  readonly sink?: (line: string) => void;
  /** Draws the sampling numbers in [0, 1); `Math.random` by default. */
  readonly random?: () => number;
  /** Most bytes held for a destination that does not keep up; default 16 MiB. */
  readonly maxBufferBytes?: number;
  /**
   * The signal on which a file target is reopened at its path (log rotation); default
   * `SIGHUP`, null for none. Standard output is never reopened.
   */
  readonly reopenSignal?: NodeJS.Signals | null;
}

/** An access log: a request observer that writes one JSON line per request. */
export interface AccessLog extends RequestObserver {
  /** Lines dropped so far because the destination fell `maxBufferBytes` behind. */
  readonly dropped: number;
  /** Writes whole lines formatted elsewhere (by a data-plane worker) as they are. */
  writeLines(text: string): void;
  /**
   * Writes the buffered lines to the file as it is open now, then opens its path again (what
   * the reopen signal does); resolves once it is open. Does nothing for standard output.
   */
  reopen(): Promise<void>;
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

/**
 * Creates the access log, or null when its target is off. Lines are written asynchronously
 * (see openDestination): a slow disk or reader never blocks the event loop, one that stalls
 * costs dropped lines beyond `maxBufferBytes`, never unbounded memory, and what is buffered is
 * written by {@link AccessLog.close}. A file target is reopened on `reopenSignal`, so that log
 * rotation (rename, then signal) needs no restart. The time of a line is when the request ended.
 */
export function createAccessLog(options: AccessLogOptions): AccessLog | null {
  const { target } = options;
  const { sink } = options;
  if (target.kind === 'off' && options.destination === undefined && sink === undefined) {
    return null;
  }
  const destination: Destination =
    sink !== undefined
      ? injected(sink)
      : options.destination !== undefined || target.kind === 'off'
        ? injected((line) => options.destination?.write(line))
        : openDestination({
            target,
            maxBufferBytes: options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES,
            logger: options.logger,
          });
  const stopSignal = target.kind === 'file' ? onSignal(options, destination) : () => undefined;
  const skip = new Set(options.skipPaths);
  const ratio = options.sampleRatio;
  const random = options.random ?? Math.random;
  const clock = isoClock();
  return {
    onRequestEnd(record: RequestRecord): void {
      // enable-access-log: "false" on the Ingress: nothing at all, as nginx's access_log off.
      if (record.match?.route?.policies?.accessLog === false) return;
      if (record.error === null && record.status < 400) {
        if (skip.size > 0 && skip.has(pathOnly(record.path))) return;
        if (ratio < 1 && random() >= ratio) return;
      }
      // Formatted here rather than by a pino logger: the line is flat and of a known shape,
      // and pino's serialiser, which handles any object, is slower per line.
      destination.write(formatAccessLine(record, clock()));
    },
    get dropped() {
      return destination.dropped;
    },
    writeLines: (text) => {
      destination.write(text);
    },
    reopen: () => destination.reopen(),
    close: () => {
      stopSignal();
      return destination.close();
    },
  };
}

/** Reopens the file on the signal until the function returned is called. */
function onSignal(options: AccessLogOptions, destination: Destination): () => void {
  const signal = options.reopenSignal === undefined ? 'SIGHUP' : options.reopenSignal;
  if (signal === null) return () => undefined;
  const reopen = (): void => {
    options.logger.info({ component: 'access-log', signal }, 'reopening the access log file');
    void destination.reopen();
  };
  process.on(signal, reopen);
  return () => {
    process.off(signal, reopen);
  };
}

/** A stream given by a test, or a worker's relay: written to, never bounded, reopened or closed. */
function injected(write: (line: string) => void): Destination {
  return {
    write,
    dropped: 0,
    reopen: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/**
 * One request's line: `time` (ISO 8601) and `component`, then the fields of
 * {@link AccessLogLine} in that order. Built as text, each string escaped on its own: building
 * an object for JSON.stringify allocates it and walks its keys on every request.
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

/** A JSON string; JSON.stringify only for text that needs escaping (most needs none). */
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

// An IP address with a colon is IPv6: the route table holds valid addresses, so net.isIPv6's
// full parse is not needed on every line.
function endpointText(endpoint: Endpoint): string {
  return endpoint.address.includes(':')
    ? `[${endpoint.address}]:${String(endpoint.port)}`
    : `${endpoint.address}:${String(endpoint.port)}`;
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
