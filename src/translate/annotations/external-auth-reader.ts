import type { ExternalAuthHeader, Problem } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import { externalAuthPolicyOf, goBool, type ExternalAuthFields } from './external-auth-fields.ts';
import { headerValue } from './header-values.ts';
import type { ReaderContext } from './reader-context.ts';
import type { PolicyReader } from './route-policies.ts';

const key = (name: string): string => `${INGRESS_NGINX_PREFIX}/${name}`;

/** The annotation behind each field of {@link ExternalAuthFields}. */
const FIELD_KEYS: Readonly<Record<keyof ExternalAuthFields, string>> = {
  url: key('auth-url'),
  method: key('auth-method'),
  signin: key('auth-signin'),
  signinRedirectParam: key('auth-signin-redirect-param'),
  responseHeaders: key('auth-response-headers'),
  requestRedirect: key('auth-request-redirect'),
  cacheKey: key('auth-cache-key'),
  cacheDuration: key('auth-cache-duration'),
  alwaysSetCookie: key('auth-always-set-cookie'),
};
const URL_KEY = FIELD_KEYS.url;
const PROXY_SET_HEADERS = key('auth-proxy-set-headers');
const ENABLE_GLOBAL_AUTH = key('enable-global-auth');
// A ConfigMap name is a DNS subdomain (RFC 1123), as the API server checks it.
const CONFIG_MAP_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_PROXY_SET_HEADERS = 64;

/**
 * Reads auth-url and the annotations that go with it into `externalAuth`, as ingress-nginx's
 * authreq parser. Any auth-* value that cannot be honoured (a bad URL, method, header name,
 * cache duration, a missing or bad auth-proxy-set-headers ConfigMap) fails the Ingress closed:
 * its paths answer 503 rather than being served with weaker authentication. Without auth-url,
 * the `--global-auth-url` authentication applies unless `enable-global-auth: "false"`.
 */
export const readExternalAuth: PolicyReader = (annotations, context) => {
  const url = annotations[URL_KEY];
  if (url === undefined) return globalAuth(annotations, context);
  const problems: Problem[] = [];
  const failClosed: string[] = [];
  const refuse = (annotation: string, reason: string): void => {
    failClosed.push(annotation);
    problems.push({
      code: 'AccessControlNotEnforced',
      field: `metadata.annotations[${annotation}]`,
      message: `${annotation}: ${reason}`,
    });
  };
  const headers = proxySetHeaders(annotations[PROXY_SET_HEADERS], context, (reason) => {
    refuse(PROXY_SET_HEADERS, reason);
  });
  const fields: ExternalAuthFields = {
    url,
    method: annotations[FIELD_KEYS.method],
    signin: annotations[FIELD_KEYS.signin],
    signinRedirectParam: annotations[FIELD_KEYS.signinRedirectParam],
    responseHeaders: annotations[FIELD_KEYS.responseHeaders],
    requestRedirect: annotations[FIELD_KEYS.requestRedirect],
    cacheKey: annotations[FIELD_KEYS.cacheKey],
    cacheDuration: annotations[FIELD_KEYS.cacheDuration],
    alwaysSetCookie: annotations[FIELD_KEYS.alwaysSetCookie],
  };
  const read = externalAuthPolicyOf(fields, headers ?? [], context?.options.noAuthLocations);
  if (!read.ok) for (const error of read.errors) refuse(FIELD_KEYS[error.field], error.reason);
  if (!read.ok || failClosed.length > 0) {
    return { policies: {}, problems, failClosed: [...new Set(failClosed)].sort() };
  }
  return { policies: { externalAuth: read.policy }, problems };
};

/** The `--global-auth-url` authentication, unless the Ingress opts out of it. */
function globalAuth(
  annotations: Readonly<Record<string, string>>,
  context: ReaderContext | undefined,
): ReturnType<PolicyReader> {
  const global = context?.options.globalAuth;
  const value = annotations[ENABLE_GLOBAL_AUTH]?.trim();
  const enabled = value === undefined ? true : goBool(value);
  const problems: Problem[] = [];
  if (enabled === undefined) {
    // ingress-nginx reads a bad boolean as the default (true): the Ingress stays protected.
    problems.push({
      code: 'IgnoredAnnotation',
      field: `metadata.annotations[${ENABLE_GLOBAL_AUTH}]`,
      message: `${ENABLE_GLOBAL_AUTH}: ${JSON.stringify(value?.slice(0, 60))} is not a boolean; the global authentication applies`,
    });
  }
  if (global === undefined || enabled === false) return { policies: {}, problems };
  return { policies: { externalAuth: global }, problems };
}

/**
 * auth-proxy-set-headers: the ConfigMap (`name` or `namespace/name`, of the Ingress's own
 * namespace unless `--allow-cross-namespace-resources`, as in ingress-nginx) whose data are
 * headers set on the auth request; values may name nginx variables, as in nginx's
 * proxy_set_header. Undefined when the annotation is absent or the ConfigMap unusable.
 */
function proxySetHeaders(
  value: string | undefined,
  context: ReaderContext | undefined,
  refuse: (reason: string) => void,
): readonly ExternalAuthHeader[] | undefined {
  const written = value?.trim() ?? '';
  if (written === '') return undefined;
  const namespace = context?.namespace ?? 'default';
  const slash = written.indexOf('/');
  const ns = slash < 0 ? namespace : written.slice(0, slash);
  const name = slash < 0 ? written : written.slice(slash + 1);
  const quoted = JSON.stringify(written.slice(0, 120));
  if (!CONFIG_MAP_NAME.test(name) || name.length > 253 || ns === '') {
    refuse(`${quoted} is not a ConfigMap name (namespace/name)`);
    return undefined;
  }
  if (ns !== namespace && context?.options.allowCrossNamespaceResources !== true) {
    refuse(`${quoted}: only a ConfigMap in the Ingress's namespace ${namespace} is read`);
    return undefined;
  }
  const configMap = context?.configMap?.(ns, name);
  if (configMap === undefined) {
    refuse(`ConfigMap ${ns}/${name} not found`);
    return undefined;
  }
  const data = configMap.object['data'];
  const entries =
    typeof data === 'object' && data !== null && !Array.isArray(data)
      ? Object.entries(data as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))
      : [];
  if (entries.length > MAX_PROXY_SET_HEADERS) {
    refuse(`ConfigMap ${ns}/${name} has more than ${String(MAX_PROXY_SET_HEADERS)} headers`);
    return undefined;
  }
  const headers: ExternalAuthHeader[] = [];
  for (const [header, raw] of entries) {
    const shown = JSON.stringify(header.slice(0, 60));
    if (!/^[a-zA-Z\d\-_]+$/.test(header) || header.length > 256) {
      refuse(`ConfigMap ${ns}/${name} key ${shown} is not a header name`);
      return undefined;
    }
    const parsed = typeof raw === 'string' ? headerValue(raw) : { reason: 'not a string' };
    if ('reason' in parsed) {
      refuse(`ConfigMap ${ns}/${name} key ${shown}: ${parsed.reason}`);
      return undefined;
    }
    headers.push({ name: header, value: parsed.parts });
  }
  return headers;
}
