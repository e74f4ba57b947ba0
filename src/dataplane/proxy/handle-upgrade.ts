import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpRequest } from '../node-http.ts';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RequestTarget } from '../../ir/index.ts';
import type { CompiledTable } from '../compile/index.ts';
import { ProxyError, statusOf, type ProxyErrorCode } from '../errors.ts';
import { failureKindOf, type FailureKind } from '../health/index.ts';
import type { GatesOutcome, Grant } from '../policy/index.ts';
import {
  classifyUpstreamError,
  endpointKey,
  timeConnect,
  upstreamTarget,
  usesTls,
} from '../upstream/index.ts';
import { decideClient, type ClientOrigin } from './client-address.ts';
import { ignoreError, type ProxyContext } from './context.ts';
import type { Tunnel } from './connection-tracker.ts';
import { rawErrorResponse } from './error-response.ts';
import { forwardHeaders } from './forward-headers.ts';
import { passGates, rawVerdict, withGrantedRequestHeaders } from './gate-request.ts';
import { logProxyError, type ErrorLogFields } from './log-error.ts';
import { pickEndpoint } from './pick-endpoint.ts';
import { backendFor } from './backend-choice.ts';
import { balancingRouteFor } from './canary-choice.ts';
import { policyHeaders } from './policy-headers.ts';
import { isRefusedMethod } from './refused-methods.ts';
import { checkRequestFraming } from './request-framing.ts';
import { RequestHead } from './request-head.ts';
import { requestIdFor } from './request-id.ts';
import { recordUpgrade, type RequestRecord } from './request-record.ts';
import { requestTargetOf } from './request-target.ts';
import { requestFacts, type RequestFacts } from '../variables/index.ts';
import { responseHeaders } from './response-headers.ts';
import { routeLimits, type RouteLimits } from './route-limits.ts';
import { routeRequest, type Routed } from './route-request.ts';
import { rawSelfAnswer } from './self-answer.ts';
import { stickyChoiceOf } from './sticky-session.ts';
import { responseHeadText, spliceSockets } from './tunnel.ts';
import { switchesToOffered } from './upgrade-protocols.ts';

/** The server's 'upgrade' listener: nothing it does may throw out of it. */
export function createUpgradeHandler(
  context: ProxyContext,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', ignoreError);
    try {
      handleUpgrade(context, req, socket, head);
    } catch (error) {
      logProxyError(context.logger, 'PM_ERR_INTERNAL', { method: req.method, error });
      socket.destroy();
    }
  };
}

/** What one upgrade needs after routing. */
interface UpgradeState {
  readonly context: ProxyContext;
  readonly socket: Duplex;
  readonly tunnel: Tunnel;
  readonly requestId: string;
  readonly accept: string | undefined;
  readonly log: ErrorLogFields;
  /** Who the request comes from (log.client is its address). */
  readonly origin: ClientOrigin;
  readonly record: RequestRecord;
  /** The Upgrade value sent upstream: the protocols its 101 may switch to. */
  readonly offered: string | undefined;
  /** The route's connect and read timeouts (proxy-*-timeout), in place of the settings'. */
  readonly timeouts: Pick<RouteLimits, 'connectTimeoutMs' | 'readTimeoutMs'>;
}

/**
 * Routes an Upgrade request like any other, then sends it to the chosen endpoint on a
 * connection of its own. A 101 to a protocol the client offered turns both connections into one
 * tunnel, a 101 to anything else is a 502; any other answer is relayed and the connection
 * closed, so a client can never send further requests straight to a backend past the routing
 * rules. Failures before the tunnel get an HTTP error answer.
 */
function handleUpgrade(
  context: ProxyContext,
  req: IncomingMessage,
  socket: Duplex,
  clientHead: Buffer,
): void {
  const tunnel = context.tracker.tunnelOpened(socket);
  const head = new RequestHead(req.rawHeaders);
  const requestId = requestIdFor(head.requestId);
  // The one decision of who this is (see decideClient), as for every other request.
  const origin = decideClient(req.socket, req.rawHeaders, context.clients);
  const client = origin.address;
  const log: ErrorLogFields = { method: req.method, path: req.url, requestId, client };
  const record = recordUpgrade(context, req, socket, requestId, client);
  const state: UpgradeState = {
    context,
    socket,
    tunnel,
    requestId,
    accept: head.accept,
    log,
    origin,
    record,
    offered: head.upgrade,
    timeouts: {},
  };
  const target = requestTargetOf(req.url ?? '', head, req.httpVersion);
  if (typeof target === 'string') {
    refuse(state, target);
    return;
  }
  if (head.upgrade === undefined || target.forwardPath === '*') {
    refuse(state, 'PM_ERR_BAD_REQUEST');
    return;
  }
  // Node's parser does not check the framing of an upgrade request; its body would go
  // upstream as tunnel bytes.
  const framing = checkRequestFraming(head, req.httpVersion);
  if (framing !== 'ok') {
    refuse(state, framing);
    return;
  }
  if (isRefusedMethod(req.method ?? 'GET')) {
    refuse(state, 'PM_ERR_METHOD_NOT_ALLOWED');
    return;
  }
  const routed = routeRequest(context.tables.current, target, record);
  if (typeof routed === 'string') {
    refuse(state, routed);
    return;
  }
  const facts = (): RequestFacts => requestFacts(req, target, context.settings.proto, client);
  if (routed.kind !== 'proxy') {
    record.status = routed.kind === 'redirect' ? routed.redirect.code : routed.answer.code;
    endWith(socket, rawSelfAnswer(routed, facts()));
    return;
  }
  const table = context.tables.current as CompiledTable;
  const afterGates = (outcome: GatesOutcome): void => {
    const { verdict, grant } = outcome;
    if (verdict.kind === 'pass') {
      openTunnel({ state, req, head, target, routed, facts, clientHead, table }, grant);
      return;
    }
    if (verdict.kind === 'refuse') {
      record.error = verdict.code;
      logProxyError(context.logger, verdict.code, { ...log, host: target.host });
    }
    const answer = rawVerdict(verdict, grant, requestId, head.accept);
    record.status = answer.status;
    endWith(socket, answer.text);
  };
  // The tunnel, refused or not, ends when the client socket closes.
  passGates(
    context,
    req,
    { route: routed.route, table, target, client, requestId },
    socket,
    afterGates,
    (error: unknown) => {
      refuse(state, 'PM_ERR_INTERNAL', error);
    },
  );
}

/** An upgrade request that passed its route's gates. */
interface GatedUpgrade {
  readonly state: UpgradeState;
  readonly req: IncomingMessage;
  readonly head: RequestHead;
  readonly target: RequestTarget;
  readonly routed: Extract<Routed, { kind: 'proxy' }>;
  readonly facts: () => RequestFacts;
  readonly clientHead: Buffer;
  readonly table: CompiledTable;
}

/** Picks an endpoint and opens the upstream side of the tunnel. */
function openTunnel(upgrade: GatedUpgrade, grant: Grant): void {
  const { state, req, head, target, routed, facts, clientHead } = upgrade;
  const { context, requestId, log, record } = state;
  const client = log.client ?? '';
  const { route } = routed;
  const offered = head.upgrade ?? '';
  // The canary, as for any request; a WebSocket stays where it opened.
  const backend = backendFor(context.balancer, routed, upgrade.table, req);
  record.backend = backend;
  const balancing = balancingRouteFor(route, backend, routed.backend);
  // A session cookie's endpoint (affinity: cookie); no cookie is set on a 101. The balancers
  // choose among the endpoints passive health has not ejected.
  const https = context.settings.proto === 'https';
  const usable = context.resilience.health.usable(backend);
  const sticky = stickyChoiceOf(context.balancer, usable, route, req, https);
  const endpoint = sticky?.endpoint ?? pickEndpoint(context.balancer, usable, balancing, facts);
  if (endpoint === undefined) {
    refuse(state, 'PM_ERR_NO_ENDPOINTS');
    return;
  }
  const fromPolicies = policyHeaders(route, facts);
  const headers = forwardHeaders(req.rawHeaders, head, {
    client,
    hop: state.origin.hop,
    trusted: state.origin.hopTrusted,
    proto: context.settings.proto,
    port: String(req.socket.localPort ?? ''),
    host: target.hostHeader,
    ...fromPolicies,
    editRequest: withGrantedRequestHeaders(fromPolicies.editRequest, grant),
    requestId,
    upgrade: offered,
  });
  record.endpoint = endpoint;
  record.upstreamStartMs = performance.now();
  // Upgrades go on connections of their own, past the upstream pools and their connect reports.
  const connected = timeConnect(endpoint.address, endpoint.port);
  const options = {
    host: endpoint.address,
    port: endpoint.port,
    method: req.method ?? 'GET',
    path: routed.path,
    headers,
    setHost: false,
    agent: false,
  } as const;
  // An upgrade is an HTTP/1.1 exchange whatever the backend protocol; TLS follows the
  // annotation (HTTPS, GRPCS), with the Service in SNI and the certificate unchecked unless
  // proxy-ssl-verify asks, as for every other request to such a backend (docs/tls.md).
  const upstreamProtocol = upstreamTarget(backend, upgrade.table.upstreamTls);
  const upstream = usesTls(upstreamProtocol.protocol)
    ? httpsRequest({
        ...options,
        rejectUnauthorized: false,
        ...upstreamProtocol.tls?.options,
        servername: upstreamProtocol.servername ?? '',
      })
    : httpRequest(options);
  const withUpstream = {
    ...state,
    log: { ...log, host: target.host, upstream: endpointKey(endpoint) },
    timeouts: routeLimits(route, context.settings),
  };
  const { health } = context.resilience;
  let probe = health.attempt(endpoint);
  const report: HealthReport = (outcome) => {
    if (typeof outcome === 'number') health.succeeded(backend, endpoint, outcome);
    else if (outcome !== null) health.failed(backend, endpoint, outcome);
    // A probe whose attempt said nothing (its client left) is released at once.
    else if (probe) health.release(endpoint);
    probe = false;
  };
  watchUpstream(withUpstream, upstream, clientHead, connected, report);
  upstream.end();
}

/**
 * Tells passive health how the upstream attempt went: its status, how it failed, or null when
 * it ended saying nothing of the endpoint.
 */
type HealthReport = (outcome: number | FailureKind | null) => void;

function watchUpstream(
  state: UpgradeState,
  upstream: ClientRequest,
  clientHead: Buffer,
  reportConnect: (ok: boolean) => void,
  reportHealth: HealthReport,
): void {
  const { context, socket, tunnel } = state;
  const { settings } = context;
  const { connectTimeoutMs = settings.connectTimeoutMs, readTimeoutMs } = state.timeouts;
  let connected = false;
  let answered = false;
  upstream.setTimeout(connectTimeoutMs, () => {
    const code = connected ? 'PM_ERR_UPSTREAM_TIMEOUT' : 'PM_ERR_UPSTREAM_CONNECT_TIMEOUT';
    upstream.destroy(new ProxyError(code));
  });
  // A client gone before the answer takes the upstream attempt with it.
  socket.once('close', () => {
    if (answered) return;
    upstream.destroy();
    reportHealth(null);
  });
  upstream.once('socket', (upstreamSocket: Socket) => {
    tunnel.upstream = upstreamSocket;
    upstreamSocket.once('connect', () => {
      connected = true;
      reportConnect(true);
      upstream.setTimeout(readTimeoutMs ?? settings.responseHeadersTimeoutMs);
    });
  });
  upstream.on('error', (error) => {
    // A client that left cut the attempt short: that says nothing of the upstream.
    if (!connected && !socket.destroyed) reportConnect(false);
    reportHealth(socket.destroyed || answered ? null : failureKindOf(error));
    const failure = classifyUpstreamError(error, answered);
    if (socket.destroyed) {
      state.record.error = 'PM_ERR_CLIENT_CLOSED';
      logProxyError(context.logger, 'PM_ERR_CLIENT_CLOSED', state.log);
    } else if (answered) {
      state.record.error = failure.code;
      socket.destroy();
    } else refuse(state, failure.code, error);
  });
  upstream.once('upgrade', (res: IncomingMessage, upstreamSocket: Socket, upstreamHead: Buffer) => {
    answered = true;
    upstream.setTimeout(0);
    noteAnswer(state.record, res.statusCode ?? 101);
    reportHealth(res.statusCode ?? 101);
    if (socket.destroyed) {
      upstreamSocket.destroy();
      return;
    }
    if (!switchesToOffered(state.offered, res.headers.upgrade)) {
      upstreamSocket.destroy();
      refuse(state, 'PM_ERR_UPSTREAM_PROTOCOL');
      return;
    }
    socket.write(responseHeadText(res.statusCode ?? 101, res.statusMessage ?? '', res.rawHeaders));
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (clientHead.length > 0) upstreamSocket.write(clientHead);
    tunnel.upstream = upstreamSocket;
    // proxy-read-timeout bounds an nginx tunnel's idle time; it replaces the flag's for the route.
    spliceSockets(socket, upstreamSocket, readTimeoutMs ?? settings.tunnelIdleTimeoutMs);
  });
  upstream.once('response', (res: IncomingMessage) => {
    answered = true;
    upstream.setTimeout(0);
    noteAnswer(state.record, res.statusCode ?? 502);
    reportHealth(res.statusCode ?? 502);
    if (socket.destroyed) res.destroy();
    else if (res.statusCode === 101) {
      // A 101 without `Connection: upgrade` names no protocol to switch to; relayed, it would
      // still tell the client that the connection had switched.
      res.on('error', ignoreError);
      res.destroy();
      refuse(state, 'PM_ERR_UPSTREAM_PROTOCOL');
    } else relayRefusal(socket, res);
  });
}

/**
 * The upstream declined the upgrade: its answer goes to the client with `Connection: close`
 * (without Content-Length, the body runs to the close) and nothing more is read from the client.
 */
function relayRefusal(socket: Duplex, res: IncomingMessage): void {
  res.on('error', () => socket.destroy());
  socket.once('close', () => res.destroy());
  const headers = responseHeaders(res.headers, true);
  socket.write(responseHeadText(res.statusCode ?? 502, res.statusMessage ?? '', headers));
  res.pipe(socket);
}

function noteAnswer(record: RequestRecord, status: number): void {
  record.status = status;
  record.upstreamMs = performance.now() - record.upstreamStartMs;
}

function refuse(state: UpgradeState, code: ProxyErrorCode, error?: unknown): void {
  const { context, socket } = state;
  state.record.error = code;
  state.record.status = statusOf(code);
  logProxyError(context.logger, code, error === undefined ? state.log : { ...state.log, error });
  endWith(socket, rawErrorResponse(code, state.requestId, state.accept));
}

/** Sends a whole answer and closes the client connection once it is written. */
function endWith(socket: Duplex, answer: string | Buffer): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(answer);
  socket.once('finish', () => socket.destroy());
}
