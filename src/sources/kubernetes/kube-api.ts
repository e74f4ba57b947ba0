/**
 * The narrow Kubernetes API pointsman uses: list and watch of raw JSON objects. The one
 * implementation over `@kubernetes/client-node` is in client-node-adapter.ts; nothing else
 * imports the client. A status writer will add its calls (status patch, Event create) here.
 */

/** A resource type by its REST coordinates. */
export interface KubeResource {
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  /** The plural path segment, e.g. `ingresses`. */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** Selectors of a list or watch; absent ones are not sent. */
export interface Selectors {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** Options of {@link KubeApi.list}. */
export interface ListOptions extends Selectors {
  /** Aborts the request (all pages); the list then rejects with a `Timeout` {@link KubeApiError}. */
  readonly signal?: AbortSignal;
}

/** A complete list: every page's items, raw, and the resourceVersion to watch from. */
export interface ListResult {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
}

/** Options of {@link KubeApi.watch}. */
export interface WatchOptions extends Selectors {
  readonly resourceVersion: string;
  /** The server ends the watch cleanly after this long. */
  readonly timeoutSeconds: number;
  readonly allowWatchBookmarks: boolean;
}

/** One event of a watch, raw: `object` is a Kubernetes object, or a `Status` for `ERROR`. */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: unknown;
}

/** How a watch ended. */
export type WatchEnd =
  /** The server ended the response (its `timeoutSeconds`, or a graceful close). */
  | { readonly reason: 'closed' }
  /** {@link WatchHandle.abort} was called. */
  | { readonly reason: 'aborted' }
  /** The request failed, or the stream broke. */
  | { readonly reason: 'error'; readonly error: KubeApiError };

/** An open watch. */
export interface WatchHandle {
  /** Settles once the watch is over; never rejects, and no event is delivered after it. */
  readonly done: Promise<WatchEnd>;
  /** Ends the watch now (idempotent). */
  abort(): void;
}

/** Receives the events of a watch, in order. It must not throw. */
export type WatchListener = (event: WatchEvent) => void;

/** List and watch of raw objects. `namespace` null means all namespaces (or cluster-scoped). */
export interface KubeApi {
  /** The API server's URL, for logs. */
  readonly server: string;
  /** Lists every object (following `continue` pages). Rejects with a {@link KubeApiError}. */
  list(
    resource: KubeResource,
    namespace: string | null,
    options?: ListOptions,
  ): Promise<ListResult>;
  /** Starts a watch; events go to `onEvent` until `done` settles. */
  watch(
    resource: KubeResource,
    namespace: string | null,
    options: WatchOptions,
    onEvent: WatchListener,
  ): WatchHandle;
}

/** Why a request failed, in stable words. */
export type KubeApiErrorReason =
  /** An HTTP error status from the server (see `status`; 410 means the resourceVersion expired). */
  | 'Http'
  /** No connection, a reset, a TLS failure. */
  | 'Network'
  /** The caller's signal aborted the request. */
  | 'Timeout'
  /** The answer was not the JSON expected. */
  | 'BadResponse';

/** A failed list or watch, with the HTTP status when the server answered one. */
export class KubeApiError extends Error {
  readonly reason: KubeApiErrorReason;
  /** The HTTP status (or a watch `ERROR` event's code); 0 when no answer came. */
  readonly status: number;

  constructor(reason: KubeApiErrorReason, status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeApiError';
    this.reason = reason;
    this.status = status;
  }

  /** Whether this says the resourceVersion is too old, so only a new list can go on. */
  get expired(): boolean {
    return this.status === 410;
  }
}
