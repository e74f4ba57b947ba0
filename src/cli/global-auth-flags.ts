import type { ParseArgsOptionsConfig } from 'node:util';
import type { ExternalAuthPolicy } from '../ir/index.ts';
import {
  DEFAULT_NO_AUTH_LOCATIONS,
  externalAuthPolicyOf,
  type ExternalAuthFields,
} from '../translate/annotations/external-auth-fields.ts';
import type { TranslateOptions } from '../translate/options.ts';
import { UsageError } from './io.ts';

/**
 * `--global-auth-*`: the external authentication of every route whose Ingress has no auth-url
 * of its own, as ingress-nginx's global-auth-* ConfigMap keys (an Ingress opts out with
 * `enable-global-auth: "false"`). global-auth-snippet has no flag: it is nginx configuration.
 */
export const GLOBAL_AUTH_FLAGS = {
  'global-auth-url': { type: 'string' },
  'global-auth-method': { type: 'string' },
  'global-auth-signin': { type: 'string' },
  'global-auth-signin-redirect-param': { type: 'string' },
  'global-auth-response-headers': { type: 'string' },
  'global-auth-request-redirect': { type: 'string' },
  'global-auth-cache-key': { type: 'string' },
  'global-auth-cache-duration': { type: 'string' },
  'global-auth-always-set-cookie': { type: 'boolean' },
  'no-auth-locations': { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

/** Help text for {@link GLOBAL_AUTH_FLAGS}. */
export const GLOBAL_AUTH_FLAGS_HELP = `
      --global-auth-url URL       external authentication for every route whose Ingress has no
                                  auth-url and does not set enable-global-auth: "false"
                                  (ingress-nginx's global-auth-url); nginx variables allowed
                                  in the path, only $host in the host
      --global-auth-method, --global-auth-signin, --global-auth-signin-redirect-param,
      --global-auth-response-headers, --global-auth-request-redirect,
      --global-auth-cache-key, --global-auth-cache-duration, --global-auth-always-set-cookie
                                  as the auth-* annotations of the same name, for it
      --no-auth-locations PATHS   comma-separated path prefixes: routes whose path starts
                                  with one are not externally authenticated (default:
                                  /.well-known/acme-challenge; "" for none)`;

/** The values of {@link GLOBAL_AUTH_FLAGS} as parsed. */
export type GlobalAuthFlagValues = {
  readonly [K in keyof typeof GLOBAL_AUTH_FLAGS]?:
    ((typeof GLOBAL_AUTH_FLAGS)[K]['type'] extends 'boolean' ? boolean : string) | undefined;
};

const FLAG_OF: Readonly<Record<keyof ExternalAuthFields, keyof typeof GLOBAL_AUTH_FLAGS>> = {
  url: 'global-auth-url',
  method: 'global-auth-method',
  signin: 'global-auth-signin',
  signinRedirectParam: 'global-auth-signin-redirect-param',
  responseHeaders: 'global-auth-response-headers',
  requestRedirect: 'global-auth-request-redirect',
  cacheKey: 'global-auth-cache-key',
  cacheDuration: 'global-auth-cache-duration',
  alwaysSetCookie: 'global-auth-always-set-cookie',
};

/**
 * The global external authentication the flags ask for, checked as the auth-* annotations are;
 * undefined without `--global-auth-url`. A bad value is a usage error: the proxy does not start
 * with weaker authentication than it was told to enforce.
 */
export function globalAuthFrom(values: GlobalAuthFlagValues): ExternalAuthPolicy | undefined {
  const url = values['global-auth-url'];
  if (url === undefined) {
    const stray = Object.values(FLAG_OF).find((flag) => values[flag] !== undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} needs --global-auth-url`);
    return undefined;
  }
  const exceptPaths = noAuthLocationsFrom(values);
  const text = (flag: keyof typeof GLOBAL_AUTH_FLAGS): string | undefined => {
    const value = values[flag];
    return typeof value === 'string' ? value : undefined;
  };
  const read = externalAuthPolicyOf(
    {
      url,
      method: text('global-auth-method'),
      signin: text('global-auth-signin'),
      signinRedirectParam: text('global-auth-signin-redirect-param'),
      responseHeaders: text('global-auth-response-headers'),
      requestRedirect: text('global-auth-request-redirect'),
      cacheKey: text('global-auth-cache-key'),
      cacheDuration: text('global-auth-cache-duration'),
      alwaysSetCookie: values['global-auth-always-set-cookie'] === true ? 'true' : undefined,
    },
    [],
    exceptPaths,
  );
  if (!read.ok) {
    const [first] = read.errors;
    throw new UsageError(
      first === undefined
        ? '--global-auth-url is invalid'
        : `--${FLAG_OF[first.field]}: ${first.reason}`,
    );
  }
  return read.policy;
}

/**
 * The translate options of these flags: the global authentication and `--no-auth-locations`
 * (comma-separated path prefixes, each starting with `/`; an empty value for none).
 */
export function globalAuthOptionsFrom(
  values: GlobalAuthFlagValues,
): Pick<TranslateOptions, 'globalAuth' | 'noAuthLocations'> {
  const globalAuth = globalAuthFrom(values);
  const locations = values['no-auth-locations'];
  return {
    ...(globalAuth === undefined ? {} : { globalAuth }),
    ...(locations === undefined ? {} : { noAuthLocations: noAuthLocationsFrom(values) }),
  };
}

function noAuthLocationsFrom(values: GlobalAuthFlagValues): readonly string[] {
  const value = values['no-auth-locations'];
  if (value === undefined) return DEFAULT_NO_AUTH_LOCATIONS;
  const paths = value
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path !== '');
  const bad = paths.find((path) => !/^\/[\x21-\x7e]*$/.test(path));
  if (bad !== undefined) {
    throw new UsageError(
      `--no-auth-locations takes paths starting with /, not ${JSON.stringify(bad)}`,
    );
  }
  return paths;
}
