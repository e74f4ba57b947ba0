import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../translate/index.ts';
import {
  ERROR_PAGE_FLAGS,
  ERROR_PAGE_FLAGS_HELP,
  errorPageOptionsFrom,
} from './error-page-flags.ts';
import {
  GLOBAL_AUTH_FLAGS,
  GLOBAL_AUTH_FLAGS_HELP,
  globalAuthOptionsFrom,
  type GlobalAuthFlagValues,
} from './global-auth-flags.ts';
import { UsageError } from './io.ts';

/** Flags shared by every command that reads manifests and translates them. */
export const INPUT_FLAGS = {
  manifests: { type: 'string', multiple: true, short: 'f' },
  'ingress-class': { type: 'string' },
  'controller-name': { type: 'string' },
  'watch-ingress-without-class': { type: 'boolean' },
  'annotations-prefix': { type: 'string' },
  'allowed-response-headers': { type: 'string', multiple: true },
  'allow-cross-namespace-resources': { type: 'boolean' },
  ...ERROR_PAGE_FLAGS,
  ...GLOBAL_AUTH_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

/** Help text for {@link INPUT_FLAGS}. */
export const INPUT_FLAGS_HELP = `
  -f, --manifests PATH            YAML/JSON file or directory (recursive); repeatable
      --ingress-class NAME        class name accepted in the kubernetes.io/ingress.class
                                  annotation (default: ${DEFAULT_TRANSLATE_OPTIONS.ingressClass})
      --controller-name NAME      spec.controller of the IngressClasses we serve
                                  (default: ${DEFAULT_TRANSLATE_OPTIONS.controllerName})
      --watch-ingress-without-class
                                  also serve Ingresses that name no class
      --annotations-prefix PREFIX also read ingress-nginx annotations under PREFIX/ (as
                                  ingress-nginx's flag, e.g. ingress.kubernetes.io); the
                                  nginx.ingress.kubernetes.io/ prefix is always read
      --allowed-response-headers NAMES
                                  comma-separated header names a custom-headers ConfigMap
                                  may set (ingress-nginx's global-allowed-response-headers);
                                  repeatable (default: none)
      --allow-cross-namespace-resources
                                  annotations may name a Secret of another namespace as
                                  namespace/name (auth-secret), as ingress-nginx's
                                  allow-cross-namespace-resources (default: off)${ERROR_PAGE_FLAGS_HELP}${GLOBAL_AUTH_FLAGS_HELP}
  -h, --help                      show this help`;

/** Parses argv strictly: unknown flags and bad values are usage errors. */
export function parseFlags<T extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  options: T,
  allowPositionals: boolean,
): ReturnType<typeof parseArgs<{ options: T; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The translate options given on the command line. */
export function translateOptionsFrom(
  values: {
    'ingress-class'?: string | undefined;
    'controller-name'?: string | undefined;
    'watch-ingress-without-class'?: boolean | undefined;
    'annotations-prefix'?: string | undefined;
    'allowed-response-headers'?: readonly string[] | undefined;
    'allow-cross-namespace-resources'?: boolean | undefined;
    'default-backend-service'?: string | undefined;
    'custom-http-errors'?: string | undefined;
  } & GlobalAuthFlagValues,
): TranslateOptions {
  const prefix = values['annotations-prefix'];
  // An annotation key's prefix is a DNS subdomain (RFC 1123), at most 253 characters.
  if (prefix !== undefined && !/^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(prefix)) {
    throw new UsageError(
      `--annotations-prefix must be a DNS subdomain such as ingress.kubernetes.io, not ${JSON.stringify(prefix)}`,
    );
  }
  const allowed = allowedResponseHeaders(values['allowed-response-headers'] ?? []);
  return {
    ingressClass: values['ingress-class'] ?? DEFAULT_TRANSLATE_OPTIONS.ingressClass,
    controllerName: values['controller-name'] ?? DEFAULT_TRANSLATE_OPTIONS.controllerName,
    watchIngressWithoutClass: values['watch-ingress-without-class'] ?? false,
    ...(prefix === undefined ? {} : { annotationsPrefix: prefix }),
    ...(allowed.length === 0 ? {} : { allowedResponseHeaders: allowed }),
    ...(values['allow-cross-namespace-resources'] === true
      ? { allowCrossNamespaceResources: true }
      : {}),
    ...errorPageOptionsFrom(values),
    ...globalAuthOptionsFrom(values),
  };
}

/** `--allowed-response-headers`: comma-separated header names, in lower case, deduplicated. */
function allowedResponseHeaders(values: readonly string[]): string[] {
  const names = new Set<string>();
  for (const value of values) {
    for (const part of value.split(',')) {
      const name = part.trim();
      if (name === '') continue;
      // RFC 9110 section 5.6.2: a field name is a token.
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
        throw new UsageError(
          `--allowed-response-headers takes header names, not ${JSON.stringify(name)}`,
        );
      }
      names.add(name.toLowerCase());
    }
  }
  return [...names].sort();
}

/** The output format flag, checked. */
export function outputFormat(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new UsageError(`--output must be text or json, not ${JSON.stringify(value)}`);
}

/** The --manifests paths, which are required. */
export function manifestPaths(value: readonly string[] | undefined): readonly string[] {
  if (!value || value.length === 0) throw new UsageError('--manifests PATH is required');
  return value;
}
