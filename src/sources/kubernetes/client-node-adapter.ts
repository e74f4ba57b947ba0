/**
 * The one place that imports `@kubernetes/client-node`: it reads the kubeconfig (or the Pod's
 * service account) and authenticates requests; the requests themselves are plain GETs whose
 * JSON is read raw, so list and watch hand out one shape (strings, not `Date`s). Its informer
 * is not used: it stops for good on the first non-410 error (see reflector.ts for our loop).
 */
import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { readJsonLines } from './json-lines.ts';
import {
  KubeApiError,
  type KubeApi,
  type KubeResource,
  type ListOptions,
  type ListResult,
  type Selectors,
  type WatchEnd,
  type WatchEvent,
  type WatchHandle,
  type WatchListener,
  type WatchOptions,
} from './kube-api.ts';
import { collectionPath } from './resources.ts';

/** How to reach the API server. */
export type KubeConnection =
  | { readonly mode: 'kubeconfig'; readonly path: string }
  /** `root` prefixes the service-account paths (tests); default `''`. */
  | { readonly mode: 'in-cluster'; readonly root?: string };

/** Items asked for per list page: pages keep each answer small on big clusters. */
export const LIST_PAGE_SIZE = 500;

/**
 * Creates the {@link KubeApi} over `@kubernetes/client-node`. Throws (a startup error, with the
 * client's message) when the kubeconfig cannot be read or names no cluster.
 */
export function createClientNodeApi(connection: KubeConnection): KubeApi {
  const config = new KubeConfig();
  if (connection.mode === 'kubeconfig') config.loadFromFile(connection.path);
  else config.loadFromCluster(connection.root ?? '');
  const cluster = config.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new Error(
      `the API server ${cluster.server} is plain HTTP, which the client refuses without insecure-skip-tls-verify: true`,
    );
  }
  return new ClientNodeApi(config, cluster.server);
}

class ClientNodeApi implements KubeApi {
  readonly server: string;
  readonly #config: KubeConfig;
  readonly #http = new IsomorphicFetchHttpLibrary();
  // The client makes a new connection pool per authenticated request; one is kept and reused.
  #dispatcher: ReturnType<RequestContext['getDispatcher']>;

  constructor(config: KubeConfig, server: string) {
    this.#config = config;
    this.server = server.replace(/\/+$/, '');
  }

  async list(
    resource: KubeResource,
    namespace: string | null,
    options: ListOptions = {},
  ): Promise<ListResult> {
    const items: unknown[] = [];
    let token = '';
    const signal = options.signal ?? new AbortController().signal;
    for (;;) {
      const query: Record<string, string> = { limit: String(LIST_PAGE_SIZE) };
      if (token !== '') query['continue'] = token;
      const url = this.#url(resource, namespace, options, query);
      const page = await this.#guard(signal, async () => {
        const response = await this.#get(url, signal);
        if (response.httpStatusCode !== 200) throw await httpError(response);
        return parseList(await response.body.text());
      });
      items.push(...page.items);
      if (page.continue === '') return { items, resourceVersion: page.resourceVersion };
      token = page.continue;
    }
  }

  watch(
    resource: KubeResource,
    namespace: string | null,
    options: WatchOptions,
    onEvent: WatchListener,
  ): WatchHandle {
    const controller = new AbortController();
    const query: Record<string, string> = {
      watch: 'true',
      resourceVersion: options.resourceVersion,
      timeoutSeconds: String(options.timeoutSeconds),
    };
    if (options.allowWatchBookmarks) query['allowWatchBookmarks'] = 'true';
    const url = this.#url(resource, namespace, options, query);
    const emit = (value: unknown): void => {
      if (!controller.signal.aborted) onEvent(watchEventOf(value));
    };
    const done = this.#guard(controller.signal, async () => {
      const response = await this.#get(url, controller.signal);
      if (response.httpStatusCode !== 200) throw await httpError(response);
      const stream = response.body.stream();
      if (stream === null) throw new KubeApiError('BadResponse', 200, 'the watch has no body');
      await readJsonLines(stream, emit);
    }).then(
      (): WatchEnd => (controller.signal.aborted ? { reason: 'aborted' } : { reason: 'closed' }),
      (error: unknown): WatchEnd =>
        controller.signal.aborted
          ? { reason: 'aborted' }
          : { reason: 'error', error: error as KubeApiError },
    );
    return {
      done,
      abort: () => {
        controller.abort();
      },
    };
  }

  #url(
    resource: KubeResource,
    namespace: string | null,
    selectors: Selectors,
    query: Record<string, string>,
  ): URL {
    const url = new URL(this.server + collectionPath(resource, namespace));
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    if (selectors.labelSelector !== undefined) {
      url.searchParams.set('labelSelector', selectors.labelSelector);
    }
    if (selectors.fieldSelector !== undefined) {
      url.searchParams.set('fieldSelector', selectors.fieldSelector);
    }
    return url;
  }

  async #get(url: URL, signal: AbortSignal): Promise<ResponseContext> {
    const context = new RequestContext(url.toString(), HttpMethod.GET);
    context.setHeaderParam('Accept', 'application/json');
    context.setSignal(signal);
    await this.#config.applySecurityAuthentication(context);
    if (this.#dispatcher === undefined) this.#dispatcher = context.getDispatcher();
    else context.setDispatcher(this.#dispatcher);
    return this.#http.send(context).toPromise();
  }

  /** Runs a request, turning whatever it throws into a {@link KubeApiError}. */
  async #guard<T>(signal: AbortSignal, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof KubeApiError) throw error;
      if (signal.aborted) throw new KubeApiError('Timeout', 0, 'the request was aborted');
      throw new KubeApiError('Network', 0, describe(error), { cause: error });
    }
  }
}

interface ListPage {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  readonly continue: string;
}

function parseList(text: string): ListPage {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new KubeApiError('BadResponse', 200, 'the list is not JSON', { cause: error });
  }
  const record = asRecord(body);
  const items = record?.['items'] ?? [];
  const metadata = asRecord(record?.['metadata']);
  const resourceVersion = metadata?.['resourceVersion'];
  if (!Array.isArray(items) || typeof resourceVersion !== 'string' || resourceVersion === '') {
    throw new KubeApiError('BadResponse', 200, 'the list has no items or no resourceVersion');
  }
  const token = metadata?.['continue'];
  return { items, resourceVersion, continue: typeof token === 'string' ? token : '' };
}

function watchEventOf(value: unknown): WatchEvent {
  const record = asRecord(value);
  const type = record?.['type'];
  if (
    type === 'ADDED' ||
    type === 'MODIFIED' ||
    type === 'DELETED' ||
    type === 'BOOKMARK' ||
    type === 'ERROR'
  ) {
    return { type, object: record?.['object'] };
  }
  throw new KubeApiError('BadResponse', 200, `unknown watch event type ${JSON.stringify(type)}`);
}

async function httpError(response: ResponseContext): Promise<KubeApiError> {
  const status = response.httpStatusCode;
  let message = `HTTP ${status}`;
  try {
    const body = asRecord(JSON.parse(await response.body.text()));
    if (typeof body?.['message'] === 'string') message += `: ${body['message']}`;
  } catch {
    // The status alone says enough; bodies of errors are often not JSON (proxies, gateways).
  }
  return new KubeApiError('Http', status, message);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
