import type { PassthroughHost, PathRoute, Problem } from '../ir/index.ts';
import type { StoredObject } from '../objects/index.ts';
import { INGRESS_NGINX_PREFIX } from './annotations/index.ts';
import type { IngressSpec } from './ingress-spec.ts';
import { GO_FALSE as FALSE, GO_TRUE as TRUE } from './go-bool.ts';

/** The annotation that asks for TLS passthrough, in canonical spelling (see auditAnnotations). */
export const SSL_PASSTHROUGH_ANNOTATION = `${INGRESS_NGINX_PREFIX}/ssl-passthrough`;

/** What an Ingress's `ssl-passthrough` annotation asks for. */
export interface SslPassthroughRead {
  /** True when the annotation is true and `--enable-ssl-passthrough` is on. */
  readonly asked: boolean;
  readonly problems: readonly Problem[];
}

/**
 * Reads `ssl-passthrough` (canonical annotations). A value that is not a boolean is ignored with
 * an `IgnoredAnnotation` problem. Without `--enable-ssl-passthrough` a true value is reported as
 * unsupported and the Ingress is served with TLS ending at pointsman, as ingress-nginx serves it
 * without its flag: nothing is opened that the Ingress did not have before, and a backend that
 * only speaks TLS answers 502 until `backend-protocol: HTTPS` or the flag is set.
 */
export function sslPassthroughOf(
  annotations: Readonly<Record<string, string>>,
  enabled: boolean,
): SslPassthroughRead {
  const value = annotations[SSL_PASSTHROUGH_ANNOTATION];
  if (value === undefined || FALSE.has(value)) return { asked: false, problems: [] };
  const field = `metadata.annotations[${SSL_PASSTHROUGH_ANNOTATION}]`;
  if (!TRUE.has(value)) {
    const message = `${JSON.stringify(value.slice(0, 40))} is not a boolean; the annotation is ignored`;
    return { asked: false, problems: [{ code: 'IgnoredAnnotation', field, message }] };
  }
  if (enabled) return { asked: true, problems: [] };
  const message = `${SSL_PASSTHROUGH_ANNOTATION} needs --enable-ssl-passthrough, which is off: TLS ends at pointsman and the backend is reached by backend-protocol (HTTP unless set)`;
  return { asked: false, problems: [{ code: 'UnsupportedAnnotation', field, message }] };
}

/** The root route of a host and the Ingress (`namespace/name`) that holds it. */
export type RootRouteOf = (
  host: string,
) => { readonly route: PathRoute; readonly owner: string } | undefined;

/**
 * Collects the passthrough hosts of the Ingresses that ask for them, oldest first. As in
 * ingress-nginx, passthrough belongs to a host, not a path: all TLS connections that name the
 * host go to the backend of its `/` path, and only exact hosts take part (SNI names one host;
 * ingress-nginx compares it literally). Unlike ingress-nginx, where any Ingress on a host turns
 * the whole host over to the backend of whichever Ingress holds `/`, here the Ingress that holds
 * the host's `/` path decides: another Ingress cannot take a host's HTTPS traffic away from the
 * older one that serves its root.
 */
export class PassthroughCollector {
  readonly #hosts = new Map<string, PassthroughHost>();

  /**
   * Adds the rule hosts of one accepted Ingress that asks for passthrough (after its routes went
   * into the builder that `rootOf` reads); returns its problems. A fail-closed Ingress is never
   * passed through: a raw TLS stream would bypass the access control it asks for.
   */
  add(
    ingress: StoredObject,
    spec: IngressSpec,
    rootOf: RootRouteOf,
    failClosed: boolean,
  ): Problem[] {
    const field = `metadata.annotations[${SSL_PASSTHROUGH_ANNOTATION}]`;
    const ignored = (message: string): Problem => ({ code: 'IgnoredAnnotation', field, message });
    if (failClosed) {
      return [
        ignored(
          'ssl-passthrough is not applied: the Ingress asks for access control (source ranges, limits, authentication), which a passed-through connection would bypass; TLS ends at pointsman, where the rules are applied (or its paths answer 503 when they cannot be)',
        ),
      ];
    }
    const owner = `${ingress.namespace}/${ingress.name}`;
    const problems: Problem[] = [];
    for (const host of new Set(spec.rules.map((rule) => rule.host))) {
      if (host === null || host.startsWith('*.')) {
        const which = host === null ? 'a rule without a host' : `the wildcard host ${host}`;
        problems.push(
          ignored(
            `ssl-passthrough is not applied to ${which}: only exact hosts are passed through`,
          ),
        );
        continue;
      }
      const root = rootOf(host);
      if (root === undefined) {
        problems.push(
          ignored(
            `ssl-passthrough is not applied to host ${host}: it has no path "/", whose backend would receive the connections`,
          ),
        );
      } else if (root.owner !== owner) {
        problems.push({
          code: 'Conflict',
          field,
          message: `ssl-passthrough is not applied to host ${host}: older Ingress ${root.owner} serves its path "/"`,
        });
      } else {
        this.#hosts.set(host, {
          host,
          backend: root.route.backend,
          source: { namespace: ingress.namespace, name: ingress.name },
        });
      }
    }
    return problems;
  }

  /** The passthrough hosts, sorted by host. */
  hosts(): PassthroughHost[] {
    return [...this.#hosts.values()].sort((a, b) => (a.host < b.host ? -1 : 1));
  }
}
