import type { ExternalAuthPolicy } from '../../ir/index.ts';
import { expandTemplate, type RequestFacts } from '../variables/index.ts';
import { AuthCache } from './external-auth-cache.ts';
import type { AuthAnswer } from './external-auth-client.ts';
import { authRequestHeaders } from './external-auth-headers.ts';
import type { Gate, GateRequest, GateVerdict, HeaderPair } from './gate.ts';

// nginx's default proxy_connect_timeout and proxy_read_timeout, when the route sets none.
const CONNECT_TIMEOUT_MS = 5000;
const READ_TIMEOUT_MS = 60_000;

/**
 * Checks authentication by a request to an auth service (auth-url, or `--global-auth-url`), as
 * ingress-nginx's auth_request location: 2xx lets the request through with the
 * auth-response-headers of the answer set upstream; 401 is answered (a 302 to auth-signin when
 * there is one, else 401 with the service's WWW-Authenticate), 403 is answered; any other
 * status, or no answer in time, is a 500 and the request is not proxied. Returns a Promise only
 * on a route with external authentication.
 */
export const externalAuthGate: Gate = (request) => {
  const policy = request.policies.externalAuth;
  if (policy === undefined) return undefined;
  // no-auth-locations: compared with the route's path, as ingress-nginx does with its location.
  const routePath = request.route?.path;
  if (routePath !== undefined && policy.exceptPaths.some((p) => routePath.startsWith(p))) {
    return undefined;
  }
  return checkExternalAuth(policy, request);
};

async function checkExternalAuth(
  policy: ExternalAuthPolicy,
  request: GateRequest,
): Promise<GateVerdict> {
  const facts = factsOf(request);
  const origin = originOf(policy, facts);
  if (origin === undefined) return { kind: 'refuse', code: 'PM_ERR_AUTH_UNAVAILABLE' };
  const { authCache, authClients } = request.state;
  const cacheKey =
    policy.cache === undefined
      ? undefined
      : AuthCache.keyOf([
          request.target.host,
          request.route?.path ?? '',
          origin,
          expandTemplate(policy.path, facts),
          expandTemplate(policy.cache.key, facts),
        ]);
  const now = Date.now();
  let answer = cacheKey === undefined ? undefined : authCache.get(cacheKey, now);
  if (answer === undefined) {
    const timeoutMs =
      (request.policies.connectTimeoutMs ?? CONNECT_TIMEOUT_MS) +
      (request.policies.readTimeoutMs ?? READ_TIMEOUT_MS);
    const sent = await authClients.send({
      origin,
      method: policy.method ?? 'GET',
      path: expandTemplate(policy.path, facts),
      headers: authRequestHeaders(policy, request, facts),
      timeoutMs,
    });
    if ('failed' in sent) return { kind: 'refuse', code: 'PM_ERR_AUTH_UNAVAILABLE' };
    answer = sent;
    if (cacheKey !== undefined && policy.cache !== undefined) {
      const keep = [
        ...policy.responseHeaders.map((name) => name.toLowerCase()),
        'www-authenticate',
      ];
      authCache.put(cacheKey, answer, policy.cache.durations, keep, Date.now());
    }
  }
  return verdictOf(policy, answer, facts);
}

/**
 * The auth origin of this request: the literal one, or with `$host` filled in and checked to
 * be an origin still (a routing host is a plain name; anything else is refused).
 */
function originOf(policy: ExternalAuthPolicy, facts: RequestFacts): string | undefined {
  const [only, ...more] = policy.origin;
  if (only !== undefined && 'text' in only && more.length === 0) return only.text;
  const text = expandTemplate(policy.origin, facts);
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  const plain = url.pathname === '/' && url.search === '' && url.hash === '';
  return plain && url.username === '' && url.password === '' ? url.origin : undefined;
}

/** What the auth service's answer means for the request. */
export function verdictOf(
  policy: ExternalAuthPolicy,
  answer: AuthAnswer,
  facts: RequestFacts,
): GateVerdict {
  const cookies = pairs(answer, 'set-cookie');
  const { status } = answer;
  if (status >= 200 && status < 300) {
    // A header the answer lacks is removed upstream: a client cannot supply it itself.
    const upstreamHeaders = policy.responseHeaders.map((name): HeaderPair => {
      const lower = name.toLowerCase();
      return [lower, (answer.headers[lower] ?? []).join(', ')];
    });
    const cookieGrant =
      cookies.length === 0
        ? {}
        : policy.alwaysSetCookie
          ? { responseHeaders: cookies }
          : { successHeaders: cookies };
    return { kind: 'pass', grant: { upstreamHeaders, ...cookieGrant } };
  }
  const always = policy.alwaysSetCookie ? cookies : [];
  if (status === 401 && policy.signin !== undefined) {
    const location = expandTemplate(policy.signin, facts);
    // nginx adds the auth Set-Cookie to the sign-in redirect (a 302) in every case.
    return { kind: 'answer', status: 302, headers: [['location', location], ...cookies] };
  }
  if (status === 401) {
    const headers = [...pairs(answer, 'www-authenticate'), ...always];
    return { kind: 'refuse', code: 'PM_ERR_AUTH_REQUIRED', headers };
  }
  if (status === 403) return { kind: 'refuse', code: 'PM_ERR_AUTH_FORBIDDEN', headers: always };
  return { kind: 'refuse', code: 'PM_ERR_AUTH_UNEXPECTED_STATUS' };
}

function pairs(answer: AuthAnswer, name: string): HeaderPair[] {
  return (answer.headers[name] ?? []).map((value): HeaderPair => [name, value]);
}

/**
 * The facts templates are filled in from, with `$request_uri` the normalised target sent
 * upstream rather than the raw one: the auth service judges the path the backend will get, so
 * `/public/../admin` cannot pass for a public path.
 */
function factsOf(request: GateRequest): RequestFacts {
  const base: RequestFacts = request.facts?.() ?? {
    scheme: request.scheme,
    host: request.target.host,
    hostHeader: request.target.hostHeader,
    url: request.target.forwardPath,
    path: request.target.path,
    forwardPath: request.target.forwardPath,
    serverPort: '',
    method: request.method,
    client: request.client,
    rawHeaders: request.rawHeaders,
  };
  return { ...base, url: request.target.forwardPath };
}
