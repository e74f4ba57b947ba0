import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from '../node-http.ts';
import { TLSSocket } from 'node:tls';
import type { PathRoute, RequestTarget, RoutePolicies } from '../../ir/index.ts';
import type { CompiledTable } from '../compile/index.ts';
import { statusOf } from '../errors.ts';
import {
  ACCESS_GATES,
  needsGates,
  PASS,
  runGates,
  type GateRequest,
  type GatesOutcome,
  type GateVerdict,
  type Grant,
  type HeaderPair,
} from '../policy/index.ts';
import type { ProxyContext } from './context.ts';
import { rawErrorResponse, sendError } from './error-response.ts';
import { requestFacts } from '../variables/index.ts';
import { whenClosed, type Closable } from './request-end.ts';
import type { ResponseEdit } from './response-policy.ts';

const NO_POLICIES: RoutePolicies = Object.freeze({});
const UNGATED: GatesOutcome = Object.freeze({
  verdict: PASS,
  grant: Object.freeze({}),
  checked: false,
});

/**
 * Runs the access gates of a routed request, for the HTTP handler and the upgrade handler alike,
 * and calls `then` with their outcome: at once when no gate has anything to check (most
 * requests: nothing is built) or every gate is synchronous, else when the last one settles;
 * `failed` when a gate rejects. What a gate holds (a connection-limit slot) is released when
 * `closes` (the response, or the upgraded socket) closes.
 */
export function passGates(
  context: ProxyContext,
  req: IncomingMessage,
  fields: {
    readonly route: PathRoute | null;
    readonly table: CompiledTable;
    readonly target: RequestTarget;
    readonly client: string;
    readonly requestId: string;
  },
  closes: Closable,
  then: (outcome: GatesOutcome) => void,
  failed: (error: unknown) => void,
): void {
  if (!needsGates(fields.route, fields.table)) {
    then(UNGATED);
    return;
  }
  const onEnd = (release: () => void): void => {
    whenClosed(closes, release);
  };
  const gates = runGates(ACCESS_GATES, gateRequestOf(context, req, { ...fields, onEnd }));
  if (gates instanceof Promise) gates.then(then, failed);
  else then(gates);
}

/** The request as the access gates see it. */
export function gateRequestOf(
  context: ProxyContext,
  req: IncomingMessage,
  fields: {
    readonly route: PathRoute | null;
    readonly table: CompiledTable;
    readonly target: RequestTarget;
    readonly client: string;
    readonly requestId: string;
    /** Calls a release when the request (or tunnel) ends: see {@link GateRequest.onEnd}. */
    readonly onEnd?: (release: () => void) => void;
  },
): GateRequest {
  const socket = req.socket;
  return {
    ...fields,
    // No route: the default backend, with the access rules of the Ingress that provides it.
    policies:
      (fields.route === null
        ? fields.table.table.defaultBackend?.policies
        : fields.route.policies) ?? NO_POLICIES,
    method: req.method ?? 'GET',
    rawHeaders: req.rawHeaders,
    facts: () => requestFacts(req, fields.target, context.settings.proto, fields.client),
    tls: socket instanceof TLSSocket ? socket : sessionTlsSocket(req),
    scheme: context.settings.proto,
    state: context.policy,
  };
}

/**
 * The TLS socket of an HTTP/2 request: its own `socket` is adapted (compat-exchange.ts), the
 * session's is (a proxy of) the connection's TLS socket; null over h2c.
 */
function sessionTlsSocket(req: IncomingMessage): TLSSocket | null {
  const stream = (req as { stream?: { session?: { socket?: unknown } | undefined } }).stream;
  const shared = stream?.session?.socket;
  return shared instanceof TLSSocket ? shared : null;
}

/**
 * Answers a request that a gate refused or answered, with the headers that the gates passed
 * before it granted (CORS headers belong on a 401 too). Returns the status sent.
 */
export function answerVerdict(
  res: ServerResponse,
  verdict: Exclude<GateVerdict, { kind: 'pass' }>,
  grant: Grant,
  options: {
    readonly requestId: string;
    readonly accept: string | undefined;
    readonly close: boolean;
    readonly head: boolean;
  },
): number {
  const granted = grant.responseHeaders ?? [];
  if (verdict.kind === 'refuse') {
    const headers = [...granted, ...(verdict.headers ?? [])];
    sendError(res, verdict.code, options.requestId, options.accept, options.close, {
      ...(verdict.status === undefined ? {} : { status: verdict.status }),
      headers,
    });
    return verdict.status ?? statusOf(verdict.code);
  }
  const body = verdict.body ?? '';
  const flat: string[] = [];
  for (const [name, value] of [...granted, ...verdict.headers]) flat.push(name, value);
  flat.push('content-length', String(Buffer.byteLength(body)));
  flat.push('x-request-id', options.requestId);
  if (options.close) flat.push('connection', 'close');
  res.writeHead(verdict.status, flat);
  res.end(options.head ? undefined : body);
  return verdict.status;
}

/**
 * What a gate refused or answered, as the raw HTTP/1.1 answer ending an upgrade request's
 * connection, and its status. Gates build their headers from checked values only.
 */
export function rawVerdict(
  verdict: Exclude<GateVerdict, { kind: 'pass' }>,
  grant: Grant,
  requestId: string,
  accept: string | undefined,
): { readonly text: string; readonly status: number } {
  const granted = grant.responseHeaders ?? [];
  if (verdict.kind === 'refuse') {
    const status = verdict.status ?? statusOf(verdict.code);
    const headers = [...granted, ...(verdict.headers ?? [])];
    return { text: rawErrorResponse(verdict.code, requestId, accept, { status, headers }), status };
  }
  const body = verdict.body ?? '';
  const lines = [...granted, ...verdict.headers].map(([name, value]) => `${name}: ${value}\r\n`);
  const text =
    `HTTP/1.1 ${verdict.status} ${STATUS_CODES[verdict.status] ?? ''}\r\n` +
    lines.join('') +
    `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\n` +
    `connection: close\r\n\r\n${body}`;
  return { text, status: verdict.status };
}

/** The request header edit of a route with the headers a grant sets upstream after it. */
export function withGrantedRequestHeaders(
  edit: ((headers: string[]) => string[]) | undefined,
  grant: Grant,
): ((headers: string[]) => string[]) | undefined {
  const granted = grant.upstreamHeaders;
  if (granted === undefined) return edit;
  return (headers) => setHeaders(edit === undefined ? headers : edit(headers), granted);
}

/** The response edit of a route with the headers a grant adds to every answer after it. */
export function withGrantedResponseHeaders(
  edit: ResponseEdit | undefined,
  grant: Grant,
): ResponseEdit | undefined {
  const granted = grant.responseHeaders;
  const onSuccess = grant.successHeaders;
  const replaced = grant.replacesResponseHeaders;
  if (granted === undefined && onSuccess === undefined) return edit;
  return (status, headers) => {
    const edited =
      edit === undefined
        ? headers.map((h) => (typeof h === 'string' ? h : [...h]))
        : edit(status, headers);
    const out = replaced === undefined ? edited : withoutHeaders(edited, replaced);
    for (const [name, value] of granted ?? []) out.push(name, value);
    if (onSuccess !== undefined && ADD_HEADER_STATUSES.has(status)) {
      for (const [name, value] of onSuccess) out.push(name, value);
    }
    return out;
  };
}

/** A flat header list without the lines of the given (lower-case) names. */
function withoutHeaders(
  headers: (string | string[])[],
  names: readonly string[],
): (string | string[])[] {
  const out: (string | string[])[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    if (!names.includes(name.toLowerCase())) out.push(name, headers[i + 1] as string | string[]);
  }
  return out;
}

// The statuses nginx's add_header acts on without `always`.
const ADD_HEADER_STATUSES: ReadonlySet<number> = new Set([
  200, 201, 204, 206, 301, 302, 303, 304, 307, 308,
]);

/**
 * A flat header list with each granted header set: lines of the same name replaced, and an
 * empty granted value leaving the header out (a client's own copy removed all the same).
 */
function setHeaders(headers: string[], granted: readonly HeaderPair[]): string[] {
  const names = new Set(granted.map(([name]) => name));
  const out: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    if (!names.has(name.toLowerCase())) out.push(name, headers[i + 1] as string);
  }
  for (const [name, value] of granted) if (value !== '') out.push(name, value);
  return out;
}
