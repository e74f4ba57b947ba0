import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Backend, Endpoint, RouteMatch, RouteTable } from '../../ir/index.ts';
import type { Logger } from '../../observability/index.ts';
import { statusOf, type ProxyErrorCode } from '../errors.ts';
import type { RetryReason } from './retry-policy.ts';

/**
 * Told about every request a proxy handled, once, when it is over: finished, answered with an
 * error, cut, or abandoned by its client; for an upgrade, when its tunnel ends or fails. It runs
 * on the event loop of the proxy, so it must be quick; what it throws is logged and dropped.
 */
export interface RequestObserver {
  onRequestEnd(record: RequestRecord): void;
}

/** What a record needs from the proxy it belongs to. */
export interface RecordSource {
  /** Null: nobody listens, and the record is filled but never handed on. */
  readonly observer: RequestObserver | null;
  readonly logger: Logger;
  /** The name of the listener the proxy serves (`http`, `https`, ...). */
  readonly listener: string;
  readonly settings: { readonly proto: string };
}

const RECORD = Symbol('pointsman.requestRecord');
const READ_MARK = Symbol('pointsman.bytesReadMark');
const WRITTEN_MARK = Symbol('pointsman.bytesWrittenMark');

interface Tagged {
  [RECORD]?: RequestRecord;
}

interface Marked {
  [READ_MARK]?: number;
  [WRITTEN_MARK]?: number;
}

/**
 * One request as the proxy saw it, filled in as it goes (one object per request, no closures)
 * and handed to the {@link RequestObserver} when it is over. Fields that refer to the route
 * table are references into the live table: label values come from there, never from what a
 * client sent, except for the fields said to be the client's.
 *
 * Byte counts are taken from the client connection: what was read and written on it since the
 * previous request on the same connection ended, request and response heads included. They are
 * exact per connection; with HTTP pipelining a request's count may include its successor's head.
 */
export class RequestRecord {
  /** Name of the listener, such as `http`. */
  readonly listener: string;
  /** Scheme of the listener: `http` or `https`. */
  readonly proto: string;
  /** The client's HTTP version, such as `1.1`. */
  readonly httpVersion: string;
  readonly requestId: string;
  /** The client address as decideClient decided it (the peer, or what trusted proxies say). */
  readonly client: string;
  /** The method as the client sent it (the client's). */
  readonly method: string;
  /** The request target as the client sent it, path and query (the client's). */
  readonly path: string;
  /** True for an Upgrade request (a WebSocket, say), whose end is its tunnel's end. */
  readonly upgrade: boolean;
  /** `performance.now()` when the request arrived. */
  readonly startMs: number;
  /** The normalised request host (the client's); `''` until the request target was parsed. */
  host = '';
  /** What the route table matched; null when the request never reached the table. */
  match: RouteMatch | null = null;
  /** Namespace of the Ingress whose rule or default backend matched; `''` for none. */
  ingressNamespace = '';
  /** Name of that Ingress; `''` for none. */
  ingressName = '';
  /** The backend chosen, when the match named one the table has. */
  backend: Backend | null = null;
  /** The endpoint of the last attempt, when one was picked. */
  endpoint: Endpoint | null = null;
  /** The status the client got; 499 when it left before any answer. 0 until the end. */
  status = 0;
  /** The error code the request ended with, if any (see docs/errors.md). */
  error: ProxyErrorCode | null = null;
  /**
   * Attempts sent again, and what caused the last one: a failure's code, or the upstream
   * status a route retries on (`http_503`).
   */
  retries = 0;
  retryReason: RetryReason | null = null;
  /** A retry the route allowed was not sent: the backend's retry budget was spent. */
  retryBudgetExhausted = false;
  bytesIn = 0;
  bytesOut = 0;
  /** Time from arrival to the end, in milliseconds. */
  durationMs = 0;
  /** Time from sending the last attempt upstream to its response head; -1 when there was none. */
  upstreamMs = -1;
  /** `performance.now()` when the last attempt was sent upstream; -1 before. */
  upstreamStartMs = -1;
  readonly #source: RecordSource;
  readonly #socket: Duplex;

  // Positional rather than an options object: this runs once per request.
  constructor(
    source: RecordSource,
    req: IncomingMessage,
    requestId: string,
    client: string,
    kind: 'request' | 'upgrade',
  ) {
    this.#source = source;
    this.#socket = req.socket;
    this.listener = source.listener;
    this.proto = source.settings.proto;
    this.httpVersion = req.httpVersion;
    this.requestId = requestId;
    this.client = client;
    this.method = req.method ?? 'GET';
    this.path = req.url ?? '';
    this.upgrade = kind === 'upgrade';
    this.startMs = performance.now();
  }

  /** Notes the table's answer; routing calls it once. */
  noteMatch(table: RouteTable, match: RouteMatch): void {
    this.match = match;
    if (match.route !== null) {
      this.ingressNamespace = match.route.source.namespace;
      this.ingressName = match.route.source.name;
    } else if (match.kind === 'default' && table.defaultBackend !== null) {
      this.ingressNamespace = table.defaultBackend.namespace;
      this.ingressName = table.defaultBackend.name;
    }
  }

  /**
   * The host of the rule that matched, as the route table has it (`*.example.com` for a wildcard);
   * `''` for a host-less rule, the default backend, or no match.
   */
  get ruleHost(): string {
    return this.match?.kind === 'rule' ? (this.match.host?.host ?? '') : '';
  }

  /** Ends the record of a plain request when its response closes, finished or not. */
  endResponse(res: ServerResponse): void {
    if (res.headersSent) {
      this.status = res.statusCode;
      if (!res.writableFinished) this.error ??= 'PM_ERR_CLIENT_CLOSED';
    } else {
      this.error ??= 'PM_ERR_CLIENT_CLOSED';
      this.status = statusOf(this.error);
    }
    this.#end();
  }

  /** Ends the record of an upgrade when its client connection closes. */
  endUpgrade(): void {
    if (this.status === 0) {
      this.error ??= 'PM_ERR_CLIENT_CLOSED';
      this.status = statusOf(this.error);
    }
    this.#end();
  }

  #end(): void {
    this.durationMs = performance.now() - this.startMs;
    takeBytes(this, this.#socket);
    const { observer } = this.#source;
    if (observer === null) return;
    try {
      observer.onRequestEnd(this);
    } catch (error) {
      this.#source.logger.error({ err: error }, 'request observer failed');
    }
  }
}

/**
 * The record of a plain request, handed to the observer when `res` closes. Without an observer
 * nothing listens, and the record only collects.
 */
export function recordResponse(
  source: RecordSource,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  client: string,
): RequestRecord {
  const record = new RequestRecord(source, req, requestId, client, 'request');
  if (source.observer !== null) {
    (res as Tagged)[RECORD] = record;
    res.on('close', onResponseClose);
  }
  return record;
}

/** The record of an upgrade, handed to the observer when the client connection closes. */
export function recordUpgrade(
  source: RecordSource,
  req: IncomingMessage,
  socket: Duplex,
  requestId: string,
  client: string,
): RequestRecord {
  const record = new RequestRecord(source, req, requestId, client, 'upgrade');
  if (source.observer !== null) {
    (socket as Tagged)[RECORD] = record;
    socket.once('close', onUpgradeClose);
  }
  return record;
}

// Shared listeners: the record rides on the emitter, so no closure is made per request.
function onResponseClose(this: ServerResponse): void {
  (this as Tagged)[RECORD]?.endResponse(this);
}

function onUpgradeClose(this: Duplex): void {
  (this as Tagged)[RECORD]?.endUpgrade();
}

/** Bytes read and written on the connection since the previous request on it ended. */
function takeBytes(record: RequestRecord, socket: Duplex): void {
  const counted = socket as Duplex & Marked & { bytesRead?: unknown; bytesWritten?: unknown };
  const read = counted.bytesRead;
  const written = counted.bytesWritten;
  if (typeof read !== 'number' || typeof written !== 'number') return;
  record.bytesIn = read - (counted[READ_MARK] ?? 0);
  record.bytesOut = written - (counted[WRITTEN_MARK] ?? 0);
  counted[READ_MARK] = read;
  counted[WRITTEN_MARK] = written;
}
