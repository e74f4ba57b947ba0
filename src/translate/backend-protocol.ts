import type { BackendProtocol, Problem } from '../ir/index.ts';

/** Annotations that choose how the backends of an Ingress are reached; ours first. */
export const BACKEND_PROTOCOL_ANNOTATIONS = [
  'pointsman.dev/backend-protocol',
  'nginx.ingress.kubernetes.io/backend-protocol',
] as const;

/** The values the annotation takes, upper case. */
export const BACKEND_PROTOCOLS: readonly BackendProtocol[] = [
  'HTTP',
  'HTTPS',
  'GRPC',
  'GRPCS',
  'H2C',
];

/** The protocol an Ingress asks for, and the problems with its annotations (values ignored). */
export interface BackendProtocolRead {
  readonly protocol: BackendProtocol;
  readonly problems: readonly Problem[];
}

/**
 * Reads the backend protocol of an Ingress. Values are trimmed and compared without regard to
 * case, as ingress-nginx does. Our spelling wins over ingress-nginx's when both are set; a value
 * that is not one of {@link BACKEND_PROTOCOLS} (ingress-nginx's `AUTO_HTTP`, `FCGI` and `AJP`
 * among them) is ignored with an `IgnoredAnnotation` problem, and the Ingress is served over
 * HTTP as ingress-nginx does.
 */
export function backendProtocolOf(
  annotations: Readonly<Record<string, string>>,
): BackendProtocolRead {
  const problems: Problem[] = [];
  for (const key of BACKEND_PROTOCOL_ANNOTATIONS) {
    if (!Object.hasOwn(annotations, key)) continue;
    const value = annotations[key] ?? '';
    const protocol = BACKEND_PROTOCOLS.find((name) => name === value.trim().toUpperCase());
    if (protocol !== undefined) return { protocol, problems };
    problems.push({
      code: 'IgnoredAnnotation',
      field: `metadata.annotations[${key}]`,
      message: `${JSON.stringify(value.slice(0, 40))} is not one of ${BACKEND_PROTOCOLS.join(', ')}; the annotation is ignored`,
    });
  }
  return { protocol: 'HTTP', problems };
}
