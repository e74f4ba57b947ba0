import {
  sealRouteTable,
  type Backend,
  type BackendProtocol,
  type RouteTable,
} from '../../src/ir/index.ts';

/** One host routed (Prefix `/`) to one endpoint on 127.0.0.1, reached with `protocol`. */
export interface ProtocolRoute {
  readonly host: string;
  readonly port: number;
  readonly protocol?: BackendProtocol;
  /** The Service name (it names TLS upstreams in SNI as `SERVICE.test.svc`); the host's first label by default. */
  readonly service?: string;
}

/** A route table of exact hosts, each to its own backend, as translation would build it. */
export function protocolTable(routes: readonly ProtocolRoute[]): RouteTable {
  const sorted = [...routes].sort((a, b) => (a.host < b.host ? -1 : 1));
  const backends = sorted.map((route): Backend => {
    const service = route.service ?? route.host.split('.')[0] ?? 'svc';
    const protocol = route.protocol ?? 'HTTP';
    return {
      id: `test/${route.host}${protocol === 'HTTP' ? '' : `@${protocol}`}`,
      namespace: 'test',
      service,
      port: 80,
      ...(protocol === 'HTTP' ? {} : { protocol }),
      endpoints: [{ address: '127.0.0.1', port: route.port }],
      problem: null,
    };
  });
  return sealRouteTable({
    hosts: sorted.map((route, index) => ({
      host: route.host,
      kind: 'exact' as const,
      paths: [
        {
          path: '/',
          match: 'Prefix' as const,
          declaredPathType: 'Prefix' as const,
          backend: backends[index]?.id ?? '',
          source: { namespace: 'test', name: 'ingress', rule: index, path: 0 },
          sslRedirect: false,
        },
      ],
    })),
    defaultBackend: null,
    backends: [...backends].sort((a, b) => (a.id < b.id ? -1 : 1)),
  });
}
