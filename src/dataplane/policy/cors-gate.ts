import type { CorsPolicy } from '../../ir/index.ts';
import type { Gate, GateVerdict, HeaderPair } from './gate.ts';

/** A route's CORS policy made ready to answer with: its fixed headers and origin matchers. */
interface CompiledCors {
  /** True for `*`: every request gets the headers, with `Access-Control-Allow-Origin: *`. */
  readonly any: boolean;
  readonly matchers: readonly ((origin: string) => boolean)[];
  /** The headers after Access-Control-Allow-Origin, in ingress-nginx's order. */
  readonly fixed: readonly HeaderPair[];
  /** `*`: the whole grant and preflight answer, built once. */
  readonly anyGrant: GateVerdict;
  readonly anyPreflight: GateVerdict;
  /** Not `*`: the grant of a request whose Origin does not match (Vary only). */
  readonly varyOnly: GateVerdict;
}

const VARY: HeaderPair = ['vary', 'Origin'];

// The backend's own values of the headers the gate sets are replaced, as ingress-nginx's
// more_set_headers does; Vary is added beside the backend's.
const SET_BY_CORS: readonly string[] = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'access-control-max-age',
];
const PREFLIGHT_TYPE: HeaderPair = ['content-type', 'text/plain charset=UTF-8'];
const compiled = new WeakMap<CorsPolicy, CompiledCors>();

/**
 * CORS as ingress-nginx's template does it (enable-cors): a request whose Origin matches the
 * route's list (any request at all when the list is `*`) gets the Access-Control-* headers on
 * its answer, whatever the status; such a request with method OPTIONS is a preflight, answered
 * 204 by the proxy before any access rule, with those headers and no body. A request whose
 * Origin does not match gets no CORS header and goes on as usual (an OPTIONS one to the
 * backend). The matching Origin is echoed, with `Vary: Origin` on every answer of the route
 * (matched or not), so that caches keep answers for different origins apart; `*` is sent as is.
 */
export const corsGate: Gate = (request) => {
  const policy = request.policies.cors;
  if (policy === undefined) return undefined;
  const cors = compile(policy);
  const preflight = request.method === 'OPTIONS';
  if (cors.any) return preflight ? cors.anyPreflight : cors.anyGrant;
  const origin = originOf(request.rawHeaders);
  if (origin === undefined || !cors.matchers.some((matches) => matches(origin))) {
    return cors.varyOnly;
  }
  // The Origin echoed matched a strict pattern: it holds no byte a header value must not.
  const headers: HeaderPair[] = [['access-control-allow-origin', origin], ...cors.fixed, VARY];
  if (preflight) return { kind: 'answer', status: 204, headers: [...headers, PREFLIGHT_TYPE] };
  return {
    kind: 'pass',
    grant: { responseHeaders: headers, replacesResponseHeaders: SET_BY_CORS },
  };
};

/** The first Origin header (nginx's `$http_origin`); undefined when there is none. */
function originOf(raw: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === 'origin') return raw[i + 1];
  }
  return undefined;
}

function compile(policy: CorsPolicy): CompiledCors {
  let entry = compiled.get(policy);
  if (entry !== undefined) return entry;
  const fixed: HeaderPair[] = [];
  if (policy.allowCredentials) fixed.push(['access-control-allow-credentials', 'true']);
  fixed.push(['access-control-allow-methods', policy.allowMethods]);
  fixed.push(['access-control-allow-headers', policy.allowHeaders]);
  if (policy.exposeHeaders !== '') {
    fixed.push(['access-control-expose-headers', policy.exposeHeaders]);
  }
  fixed.push(['access-control-max-age', String(policy.maxAge)]);
  const any = policy.allowOrigins.length === 1 && policy.allowOrigins[0] === '*';
  const anyHeaders: HeaderPair[] = [['access-control-allow-origin', '*'], ...fixed];
  entry = {
    any,
    matchers: any ? [] : policy.allowOrigins.map(originMatcher),
    fixed,
    anyGrant: {
      kind: 'pass',
      grant: { responseHeaders: anyHeaders, replacesResponseHeaders: SET_BY_CORS },
    },
    anyPreflight: { kind: 'answer', status: 204, headers: [...anyHeaders, PREFLIGHT_TYPE] },
    varyOnly: { kind: 'pass', grant: { responseHeaders: [VARY] } },
  };
  compiled.set(policy, entry);
  return entry;
}

const LABEL = /^[A-Za-z0-9-]+$/;

/**
 * A matcher of one allowed origin, case-insensitive over the whole Origin: an exact origin, or
 * `scheme://*.rest` where `*` is one DNS label (ingress-nginx turns it into `[A-Za-z0-9\-]+`).
 * ingress-nginx anchors its pattern at the end only; here it must match from the start too.
 */
export function originMatcher(allowed: string): (origin: string) => boolean {
  const lower = allowed.toLowerCase();
  const star = lower.indexOf('*.');
  if (star === -1) return (origin) => origin.toLowerCase() === lower;
  const head = lower.slice(0, star);
  const tail = lower.slice(star + 1);
  return (origin) => {
    const text = origin.toLowerCase();
    if (text.length <= head.length + tail.length) return false;
    if (!text.startsWith(head) || !text.endsWith(tail)) return false;
    return LABEL.test(text.slice(head.length, text.length - tail.length));
  };
}
