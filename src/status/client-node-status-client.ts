/**
 * The {@link StatusClient} over `@kubernetes/client-node`: the client reads the kubeconfig (or
 * the Pod's service account), authenticates and sends each request; bodies are plain JSON
 * written and read here. The generated typed APIs are not used: they turn times into `Date`s
 * and would write a Lease's MicroTime fields in a format of their own.
 */
import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { ingressStateOf, leaseOf, leaseSpecJson, recordOf } from './parse.ts';
import {
  StatusApiError,
  type EventBump,
  type EventRecord,
  type IngressState,
  type Lease,
  type LeaseSpec,
  type LoadBalancerAddress,
  type StatusClient,
} from './status-client.ts';

/** How to reach the API server (the Kubernetes source's `KubeConnection` has this shape). */
export type StatusConnection =
  | { readonly mode: 'kubeconfig'; readonly path: string }
  /** `root` prefixes the service-account paths (tests); default `''`. */
  | { readonly mode: 'in-cluster'; readonly root?: string };

/** Options of {@link createClientNodeStatusClient}. */
export interface ClientNodeStatusClientOptions {
  /** Each request is abandoned after this long. Default 10 s. */
  readonly requestTimeoutMs?: number;
}

const MERGE_PATCH = 'application/merge-patch+json';

/**
 * Creates the client-node {@link StatusClient}. Throws (with the client's message) when the
 * kubeconfig or the service account cannot be read.
 */
export function createClientNodeStatusClient(
  connection: StatusConnection,
  options: ClientNodeStatusClientOptions = {},
): StatusClient {
  const config = new KubeConfig();
  if (connection.mode === 'kubeconfig') config.loadFromFile(connection.path);
  else config.loadFromCluster(connection.root ?? '');
  const cluster = config.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  return new ClientNodeStatusClient(config, cluster.server, options.requestTimeoutMs ?? 10_000);
}

function leasePath(namespace: string, name = ''): string {
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  return name === '' ? base : `${base}/${encodeURIComponent(name)}`;
}

function ingressPath(namespace: string, name: string): string {
  return `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/ingresses/${encodeURIComponent(name)}`;
}

function corePath(namespace: string, plural: string, name = ''): string {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/${plural}`;
  return name === '' ? base : `${base}/${encodeURIComponent(name)}`;
}

class ClientNodeStatusClient implements StatusClient {
  readonly #config: KubeConfig;
  readonly #server: string;
  readonly #timeoutMs: number;
  readonly #http = new IsomorphicFetchHttpLibrary();
  // The client makes a connection pool per authenticated request; the first one is reused.
  #dispatcher: ReturnType<RequestContext['getDispatcher']>;

  constructor(config: KubeConfig, server: string, timeoutMs: number) {
    this.#config = config;
    this.#server = server.replace(/\/+$/, '');
    this.#timeoutMs = timeoutMs;
  }

  async getLease(namespace: string, name: string): Promise<Lease | null> {
    const body = await this.#send(HttpMethod.GET, leasePath(namespace, name), { missing: null });
    return body === null ? null : this.#lease(body);
  }

  async createLease(namespace: string, name: string, spec: LeaseSpec): Promise<Lease> {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace },
      spec: leaseSpecJson(spec),
    };
    return this.#lease(await this.#send(HttpMethod.POST, leasePath(namespace), { body: lease }));
  }

  async updateLease(lease: Lease, spec: LeaseSpec): Promise<Lease> {
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: lease.name,
        namespace: lease.namespace,
        resourceVersion: lease.resourceVersion,
      },
      spec: leaseSpecJson(spec),
    };
    const path = leasePath(lease.namespace, lease.name);
    return this.#lease(await this.#send(HttpMethod.PUT, path, { body }));
  }

  getService(namespace: string, name: string): Promise<unknown> {
    return this.#send(HttpMethod.GET, corePath(namespace, 'services', name), { missing: null });
  }

  async getIngress(namespace: string, name: string): Promise<IngressState | null> {
    const path = ingressPath(namespace, name);
    const body = await this.#send(HttpMethod.GET, path, { missing: null });
    return body === null ? null : this.#ingress(body);
  }

  /**
   * A PUT of the status subresource, as client-go's UpdateStatus: the object as read, with the
   * new addresses and the resourceVersion read (409 when stale). The server takes only
   * `status` from it, and keeps the metadata it is sent back.
   */
  async updateIngressStatus(
    ingress: IngressState,
    addresses: readonly LoadBalancerAddress[],
  ): Promise<IngressState> {
    const object = ingress.object ?? {};
    const metadata: Record<string, unknown> = {
      ...recordOf(object['metadata']),
      name: ingress.name,
      namespace: ingress.namespace,
      resourceVersion: ingress.resourceVersion,
    };
    if (ingress.uid !== '') metadata['uid'] = ingress.uid;
    const status = recordOf(object['status']) ?? {};
    const loadBalancer = addresses.length === 0 ? {} : { ingress: addresses };
    const body = {
      ...object,
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata,
      status: { ...status, loadBalancer },
    };
    const path = `${ingressPath(ingress.namespace, ingress.name)}/status`;
    return this.#ingress(await this.#send(HttpMethod.PUT, path, { body }));
  }

  async createEvent(event: EventRecord): Promise<void> {
    const { involvedObject: involved } = event;
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: event.name, namespace: event.namespace },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        namespace: involved.namespace,
        name: involved.name,
        ...(involved.uid === '' ? {} : { uid: involved.uid }),
      },
      type: event.type,
      reason: event.reason,
      message: event.message,
      count: event.count,
      firstTimestamp: event.firstTimestamp,
      lastTimestamp: event.lastTimestamp,
      source: { component: event.component },
      reportingComponent: event.component,
      reportingInstance: event.instance,
    };
    await this.#send(HttpMethod.POST, corePath(event.namespace, 'events'), { body });
  }

  async patchEvent(namespace: string, name: string, bump: EventBump): Promise<void> {
    const path = corePath(namespace, 'events', name);
    await this.#send(HttpMethod.PATCH, path, { body: bump, type: MERGE_PATCH });
  }

  #lease(body: unknown): Lease {
    const lease = leaseOf(body);
    if (lease === null) throw new StatusApiError('BadResponse', 200, 'the answer is not a Lease');
    return lease;
  }

  #ingress(body: unknown): IngressState {
    const state = ingressStateOf(body);
    if (state === null)
      throw new StatusApiError('BadResponse', 200, 'the answer is not an Ingress');
    return state;
  }

  /** Sends one request; answers the parsed body, or `missing` on a 404 when one is given. */
  async #send(
    method: HttpMethod,
    path: string,
    options: { body?: unknown; type?: string; missing?: null },
  ): Promise<unknown> {
    const context = new RequestContext(this.#server + path, method);
    context.setHeaderParam('Accept', 'application/json');
    if (options.body !== undefined) {
      context.setHeaderParam('Content-Type', options.type ?? 'application/json');
      context.setBody(JSON.stringify(options.body));
    }
    const signal = AbortSignal.timeout(this.#timeoutMs);
    context.setSignal(signal);
    let response: ResponseContext;
    let text: string;
    try {
      await this.#config.applySecurityAuthentication(context);
      if (this.#dispatcher === undefined) this.#dispatcher = context.getDispatcher();
      else context.setDispatcher(this.#dispatcher);
      response = await this.#http.send(context).toPromise();
      text = await response.body.text();
    } catch (error) {
      if (signal.aborted) {
        throw new StatusApiError('Timeout', 0, `${method} ${path} timed out`, { cause: error });
      }
      const message = error instanceof Error ? error.message : String(error);
      throw new StatusApiError('Network', 0, `${method} ${path}: ${message}`, { cause: error });
    }
    const status = response.httpStatusCode;
    if (status === 404 && options.missing === null) return null;
    if (status < 200 || status > 299) throw httpError(method, path, status, text);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new StatusApiError('BadResponse', status, `${method} ${path}: the answer is not JSON`, {
        cause: error,
      });
    }
  }
}

function httpError(method: string, path: string, status: number, text: string): StatusApiError {
  let detail = '';
  try {
    const message = recordOf(JSON.parse(text))?.['message'];
    if (typeof message === 'string') detail = `: ${message}`;
  } catch {
    // Error bodies from proxies and gateways are often not JSON; the status says enough.
  }
  return new StatusApiError('Http', status, `${method} ${path}: HTTP ${String(status)}${detail}`);
}
