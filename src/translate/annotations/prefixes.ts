import type { TranslateOptions } from '../options.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';

/** The ingress-nginx prefixes read: the default one, and `annotationsPrefix` when set. */
export function annotationPrefixes(options: TranslateOptions): readonly string[] {
  const custom = options.annotationsPrefix;
  return custom === undefined || custom === INGRESS_NGINX_PREFIX
    ? [INGRESS_NGINX_PREFIX]
    : [custom, INGRESS_NGINX_PREFIX];
}
