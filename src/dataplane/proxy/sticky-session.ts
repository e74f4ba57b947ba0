import type { IncomingMessage } from 'node:http';
import type { AffinityPolicy, Backend, Endpoint, PathRoute } from '../../ir/index.ts';
import type { Balancer, StickySessions } from '../balancer/index.ts';
import { cookieValue } from './cookie-header.ts';
import type { ResponseEdit } from './response-policy.ts';
import { sessionSetCookie, type SessionCookieContext } from './session-cookie.ts';

/** What a sticky route needs to know of its request. */
export interface StickyRequest extends SessionCookieContext {
  /** The request's Cookie header (Node's joined `req.headers.cookie`). */
  readonly cookie: string | undefined;
}

/**
 * The endpoint of a request on a route with sticky sessions, as ingress-nginx's sticky
 * balancers: the one the request's session cookie names while it is there, else a new session
 * whose cookie the answer sets. A retry after a failed attempt goes to the cookie's endpoint
 * again, or, with change-on-failure (or when the request had no session), to a new session on
 * an endpoint not tried yet, whose cookie then replaces the first one.
 */
export class StickyChoice {
  /** The endpoint of the first attempt. */
  readonly endpoint: Endpoint;
  readonly #sessions: StickySessions;
  readonly #backend: Backend;
  readonly #route: PathRoute | null;
  readonly #policy: AffinityPolicy;
  readonly #request: StickyRequest;
  /** The endpoint the request's cookie named; undefined: the request had no session. */
  readonly #fromCookie: Endpoint | undefined;
  /** The cookie value to set on the answer; undefined: the request's cookie stands. */
  #value: string | undefined;

  constructor(
    sessions: StickySessions,
    backend: Backend,
    route: PathRoute | null,
    policy: AffinityPolicy,
    request: StickyRequest,
    first: { readonly endpoint: Endpoint; readonly fromCookie: boolean; readonly value?: string },
  ) {
    this.#sessions = sessions;
    this.#backend = backend;
    this.#route = route;
    this.#policy = policy;
    this.#request = request;
    this.endpoint = first.endpoint;
    this.#fromCookie = first.fromCookie ? first.endpoint : undefined;
    this.#value = first.value;
  }

  /**
   * The endpoint of a retry, given the endpoints (endpointKey) this request tried; undefined
   * leaves the choice to the proxy's retry rules (no endpoint left for a new session).
   */
  readonly retryEndpoint = (tried: ReadonlySet<string>): Endpoint | undefined => {
    if (this.#fromCookie !== undefined && this.#policy.changeOnFailure !== true) {
      return this.#fromCookie;
    }
    const session = this.#sessions.create(this.#backend, this.#policy.mode, tried);
    if (session === undefined) return undefined;
    this.#value = session.value;
    return session.endpoint;
  };

  /** The Set-Cookie of a new session, when the answer sets one. */
  setCookie(): string | undefined {
    if (this.#value === undefined) return undefined;
    return sessionSetCookie(this.#policy, this.#route, this.#value, this.#request);
  }

  /** The route's response edit with the session's Set-Cookie added after it. */
  responseEdit(edit: ResponseEdit | undefined): ResponseEdit {
    return (status, headers) => {
      const out =
        edit === undefined
          ? headers.map((h) => (typeof h === 'string' ? h : [...h]))
          : edit(status, headers);
      const cookie = this.setCookie();
      if (cookie !== undefined) out.push('set-cookie', cookie);
      return out;
    };
  }
}

/**
 * The sticky choice of a request, or undefined when its route has no sticky sessions (or the
 * balancer keeps none, or the backend has no endpoint): then the usual pick applies. A cookie
 * that does not name an endpoint of the backend (absent, malformed, altered, another
 * backend's, its endpoint gone) is no session: a new one is made.
 */
export function stickyChoiceFor(
  balancer: Balancer,
  backend: Backend,
  route: PathRoute | null,
  request: StickyRequest,
): StickyChoice | undefined {
  const policy = route?.policies?.affinity;
  const sessions = balancer.sticky;
  if (policy === undefined || sessions === undefined) return undefined;
  const value = cookieValue(request.cookie, policy.cookieName);
  const found = value === undefined ? undefined : sessions.find(backend, policy.mode, value);
  if (found !== undefined) {
    return new StickyChoice(sessions, backend, route, policy, request, {
      endpoint: found,
      fromCookie: true,
    });
  }
  const session = sessions.create(backend, policy.mode);
  if (session === undefined) return undefined;
  return new StickyChoice(sessions, backend, route, policy, request, {
    endpoint: session.endpoint,
    fromCookie: false,
    value: session.value,
  });
}

/** {@link stickyChoiceFor} of a client request; undefined at once for a route without affinity. */
export function stickyChoiceOf(
  balancer: Balancer,
  backend: Backend,
  route: PathRoute | null,
  req: IncomingMessage,
  https: boolean,
): StickyChoice | undefined {
  if (route?.policies?.affinity === undefined) return undefined;
  // A legacy canary has no sticky sessions: its own balancing picks (ingress-nginx).
  const canary = route.canary;
  if (canary?.affinityCanaryBehavior === 'legacy' && backend.id === canary.backend)
    return undefined;
  return stickyChoiceFor(balancer, backend, route, {
    cookie: req.headers.cookie,
    userAgent: req.headers['user-agent'],
    https,
    nowMs: Date.now(),
  });
}

/**
 * The backend a request's session keeps it on when its route has a canary, decided before the
 * canary's rules as ingress-nginx's `route_to_alternative_balancer`: `main` when the session
 * cookie is the main backend's, `canary` when it is the canary's and the canary is sticky
 * (`affinity-canary-behavior` of the canary Ingress is not `legacy`), undefined when neither
 * (no sticky sessions, no cookie, an altered one): then the canary's rules decide. `policy` is
 * the route's affinity, which a sticky canary shares.
 */
export function sessionBackendOf(
  balancer: Balancer,
  policy: AffinityPolicy | undefined,
  canarySticky: boolean,
  backends: { readonly main: Backend; readonly canary: Backend },
  cookie: string | undefined,
): 'main' | 'canary' | undefined {
  const sessions = balancer.sticky;
  if (policy === undefined || sessions === undefined) return undefined;
  const value = cookieValue(cookie, policy.cookieName);
  if (value === undefined) return undefined;
  if (sessions.belongsTo(backends.main, value)) return 'main';
  return canarySticky && sessions.belongsTo(backends.canary, value) ? 'canary' : undefined;
}

/**
 * The backend a request's session keeps it on when its route has a canary with a ready
 * endpoint ({@link sessionBackendOf}); undefined when the canary's rules decide. `table` is the
 * one the request was routed with.
 */
export function stickyBackendOf(
  balancer: Balancer,
  route: PathRoute | null,
  main: Backend,
  table: { backend(id: string): Backend | undefined },
  cookie: string | undefined,
): Backend | undefined {
  const canary = route?.canary;
  const policy = route?.policies?.affinity;
  if (canary === undefined || policy === undefined) return undefined;
  const backend = table.backend(canary.backend);
  if (backend === undefined || backend.problem !== null || backend.endpoints.length === 0) {
    return undefined;
  }
  const sticky = canary.affinityCanaryBehavior !== 'legacy';
  const side = sessionBackendOf(balancer, policy, sticky, { main, canary: backend }, cookie);
  return side === undefined ? undefined : side === 'main' ? main : backend;
}

/** A response edit with the Set-Cookie of a sticky choice after it, when there is one. */
export function withSessionCookie(
  sticky: StickyChoice | undefined,
  edit: ResponseEdit | undefined,
): ResponseEdit | undefined {
  return sticky === undefined ? edit : sticky.responseEdit(edit);
}
