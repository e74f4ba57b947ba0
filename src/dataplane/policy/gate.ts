import type { TLSSocket } from 'node:tls';
import type { PathRoute, RequestTarget, RoutePolicies } from '../../ir/index.ts';
import type { CompiledTable } from '../compile/index.ts';
import type { ProxyErrorCode } from '../errors.ts';
import type { RequestFacts } from '../variables/index.ts';
import type { PolicyState } from './policy-state.ts';

/** A header as a name (lower case) and a value. */
export type HeaderPair = readonly [name: string, value: string];

/**
 * A request as the access gates see it: what routing decided and what the client sent. Gates
 * never write to the client: they return a verdict, which the HTTP handler (or the upgrade
 * handler, on a raw socket) renders, so that every way in meets the same rules.
 */
export interface GateRequest {
  /** The route the request matched (null: the default backend), and its policies (or none). */
  readonly route: PathRoute | null;
  readonly policies: RoutePolicies;
  /** The table the request was routed with, for the access material its policies name. */
  readonly table: CompiledTable;
  readonly method: string;
  readonly target: RequestTarget;
  /** The request headers as received: names and values, duplicates kept. */
  readonly rawHeaders: readonly string[];
  /** What nginx variables are filled in from, gathered on demand (templates of auth-url...). */
  readonly facts?: () => RequestFacts;
  /** The client address every rule uses (the peer, or what trusted proxies say it is). */
  readonly client: string;
  /** The connection's TLS socket; null for plain HTTP (and h2c). */
  readonly tls: TLSSocket | null;
  /** `http` or `https`: the scheme the client used. */
  readonly scheme: string;
  readonly requestId: string;
  /** Shared state of the gates (limit counters, auth connection pools, caches). */
  readonly state: PolicyState;
  /**
   * Runs `release` once when the request ends, however it ends (answered, refused by a later
   * gate, client gone, upstream failed; for an upgrade, when the tunnel closes): how a gate
   * gives back what it holds for the request (a limit-connections slot). Absent (gate unit
   * tests), nothing that needs a release is taken.
   */
  readonly onEnd?: (release: () => void) => void;
}

/** What passing a gate adds to the request sent upstream and to the answer sent back. */
export interface Grant {
  /**
   * Set on the request sent upstream, replacing headers of the same name; an empty value
   * removes the header (as nginx's `proxy_set_header` with an empty value).
   */
  readonly upstreamHeaders?: readonly HeaderPair[];
  /** Added to the answer the client gets (whatever its status). */
  readonly responseHeaders?: readonly HeaderPair[];
  /**
   * Names (lower case) of the upstream answer's headers dropped before `responseHeaders` are
   * added, so that the proxy's value replaces the backend's (CORS, as ingress-nginx's
   * `more_set_headers`): two `Access-Control-Allow-Origin` lines would make browsers refuse both.
   */
  readonly replacesResponseHeaders?: readonly string[];
  /**
   * Added to the answer only when its status is one nginx's `add_header` (without `always`)
   * acts on: 200, 201, 204, 206, 301, 302, 303, 304, 307, 308 (an auth service's Set-Cookie).
   */
  readonly successHeaders?: readonly HeaderPair[];
}

/**
 * A gate's decision: let the request through (with what it adds), refuse it with a coded error
 * (and headers such as `WWW-Authenticate`), or answer it in place of the backend (a CORS
 * preflight, a sign-in redirect, the auth service's own 401).
 */
export type GateVerdict =
  | { readonly kind: 'pass'; readonly grant?: Grant }
  | {
      readonly kind: 'refuse';
      readonly code: ProxyErrorCode;
      /** The status instead of the code's own (a configured limit status). */
      readonly status?: number;
      readonly headers?: readonly HeaderPair[];
    }
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly headers: readonly HeaderPair[];
      readonly body?: string;
    };

/** Let through, adding nothing. */
export const PASS: GateVerdict = Object.freeze({ kind: 'pass' });

/**
 * One access rule. It returns undefined when the route has nothing for it to check, so that a
 * request on a route without policies costs one property read per gate; a Promise when it has
 * to wait (an auth service, a password hash off the event loop).
 */
export type Gate = (request: GateRequest) => GateVerdict | Promise<GateVerdict> | undefined;
