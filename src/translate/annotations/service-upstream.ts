import type { Problem } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';
import { GO_FALSE as FALSE, GO_TRUE as TRUE } from '../go-bool.ts';

/** The annotation that sends an Ingress's traffic to its Services' cluster IPs. */
export const SERVICE_UPSTREAM_ANNOTATION = `${INGRESS_NGINX_PREFIX}/service-upstream`;

/**
 * Reads `service-upstream` (canonical spelling): `"true"` reaches the Ingress's backends
 * through their Service's cluster IP and port, one endpoint that kube-proxy balances, instead of
 * the Pods. A value that is not a boolean is ignored with a problem.
 */
export function serviceUpstreamOf(annotations: Readonly<Record<string, string>>): {
  readonly serviceUpstream: boolean;
  readonly problems: readonly Problem[];
} {
  const value = annotations[SERVICE_UPSTREAM_ANNOTATION];
  if (value === undefined || TRUE.has(value) || FALSE.has(value)) {
    return { serviceUpstream: value !== undefined && TRUE.has(value), problems: [] };
  }
  return {
    serviceUpstream: false,
    problems: [
      {
        code: 'IgnoredAnnotation',
        field: `metadata.annotations[${SERVICE_UPSTREAM_ANNOTATION}]`,
        message: `${JSON.stringify(value.slice(0, 40))} is not a boolean; the annotation is ignored`,
      },
    ],
  };
}
