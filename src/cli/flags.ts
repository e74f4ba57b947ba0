import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../translate/index.ts';
import { UsageError } from './io.ts';

/** Flags shared by every command that reads manifests and translates them. */
export const INPUT_FLAGS = {
  manifests: { type: 'string', multiple: true, short: 'f' },
  'ingress-class': { type: 'string' },
  'controller-name': { type: 'string' },
  'watch-ingress-without-class': { type: 'boolean' },
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
export function translateOptionsFrom(values: {
  'ingress-class'?: string | undefined;
  'controller-name'?: string | undefined;
  'watch-ingress-without-class'?: boolean | undefined;
}): TranslateOptions {
  return {
    ingressClass: values['ingress-class'] ?? DEFAULT_TRANSLATE_OPTIONS.ingressClass,
    controllerName: values['controller-name'] ?? DEFAULT_TRANSLATE_OPTIONS.controllerName,
    watchIngressWithoutClass: values['watch-ingress-without-class'] ?? false,
  };
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
