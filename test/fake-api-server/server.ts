import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { ServerContext } from './context.ts';
import {
  DirectAccess,
  type FakeObject,
  type ListOptions,
  type ObjectRef,
} from './direct-access.ts';
import { Hooks, type RequestMatcher, type RequestRecord } from './hooks.ts';
import { writeKubeconfigFile, writeServiceAccountFiles, type Endpoint } from './kubeconfig.ts';
import { requestHandler } from './request-handler.ts';
import { ObjectStore } from './store.ts';
import { makeSelfSigned } from './tls.ts';

/** Options of `startFakeApiServer`; every field has a default. */
export interface FakeApiServerOptions {
  /** Serve HTTPS with a self-signed certificate made at start by the openssl CLI. Default false. */
  readonly https?: boolean;
  /** Kubernetes minor version `/version` reports (kubectl dispatchers pick by it). Default 31. */
  readonly minorVersion?: number;
  /** Period of BOOKMARK events on watches that allow them. Default 1000 ms. */
  readonly bookmarkIntervalMs?: number;
  /** Changes kept for watch replay; watching from an older one gives 410. Default 10000. */
  readonly historyLimit?: number;
  /** Largest request body accepted; larger ones get 413. Default 3 MiB. */
  readonly maxBodyBytes?: number;
  /** Requests kept in `requests`. Default 10000. */
  readonly requestLogLimit?: number;
  /** Unread bytes a watcher may let pile up before it is cut off. Default 16 MiB. */
  readonly maxWatchBufferBytes?: number;
  /** When set, requests must carry `Authorization: Bearer <token>` or get 401. Default: unset. */
  readonly token?: string;
}

/** A running fake Kubernetes API server. See README.md for what it implements. */
export interface FakeApiServer {
  /** `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** PEM of the self-signed certificate (its own CA) when serving HTTPS. */
  readonly caCertificate: string | undefined;
  /** The newest resourceVersion handed out (one counter for all kinds). */
  readonly resourceVersion: string;
  /** Every request so far (bounded), oldest first. */
  readonly requests: readonly RequestRecord[];
  /** Watches currently open. */
  readonly openWatches: number;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
  /** Writes a kubeconfig for this server into `dir`; returns its path. */
  writeKubeconfig(dir: string): Promise<string>;
  /**
   * HTTPS only: writes the in-cluster service-account files under `dir` (for
   * `loadFromCluster(dir)`) and returns the KUBERNETES_SERVICE_HOST/PORT environment to set.
   */
  writeServiceAccount(dir: string): Promise<Record<string, string>>;
  /** Creates an object; `kind` is a Kind (`Ingress`) or `apiVersion/Kind`. Throws FakeApiError. */
  create(kind: string, object: object): FakeObject;
  /** The stored object, or `undefined`. */
  get(kind: string, ref: ObjectRef): FakeObject | undefined;
  /** Stored objects in namespace/name order, optionally filtered like a list request. */
  list(kind: string, options?: ListOptions): FakeObject[];
  /** Replaces an object, status included (a stale resourceVersion throws a 409 FakeApiError). */
  update(kind: string, object: object): FakeObject;
  /** Deletes an object; returns its last state, or `undefined` when it did not exist. */
  delete(kind: string, ref: ObjectRef): FakeObject | undefined;
  /** Ends every open watch abruptly (destroys the sockets). */
  dropWatches(): void;
  /** Forgets the change history: watches from an older resourceVersion get 410 Expired. */
  compact(): void;
  /** The next `count` requests (that `match`, if given) are answered `status` with a Status body. */
  failNext(count: number, status?: number, match?: RequestMatcher): void;
  /** The next `count` requests (that `match`, if given) are accepted and never answered. */
  hangNext(count: number, match?: RequestMatcher): void;
  /** Empties `requests`. */
  clearRequests(): void;
  /**
   * Closes the listener and every connection, runs `whileDown` (if given), then listens again on
   * the same port with the same store, as an API server restart looks to clients.
   */
  restart(whileDown?: () => Promise<void> | void): Promise<void>;
}

const MIB = 1024 * 1024;

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(error);
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts a fake Kubernetes API server on 127.0.0.1 (a free port) for tests: discovery,
 * OpenAPI, CRUD, patches, list and watch for the kinds in resources.ts, test hooks to inject
 * failures, and a kubeconfig writer. See README.md for what it simplifies.
 */
export async function startFakeApiServer(
  options: FakeApiServerOptions = {},
): Promise<FakeApiServer> {
  const tls = options.https === true ? await makeSelfSigned() : undefined;
  const store = new ObjectStore({ historyLimit: options.historyLimit ?? 10_000 });
  const hooks = new Hooks(options.requestLogLimit ?? 10_000);
  const sockets = new Set<Socket>();
  let port = 0;
  const context: ServerContext = {
    store,
    minorVersion: options.minorVersion ?? 31,
    maxBodyBytes: options.maxBodyBytes ?? 3 * MIB,
    address: () => `127.0.0.1:${port}`,
    watch: {
      store,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
      maxBufferedBytes: options.maxWatchBufferBytes ?? 16 * MIB,
      active: new Set(),
    },
  };
  const onRequest = requestHandler(context, hooks, options.token);
  const server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.certificate }, onRequest)
    : createHttpServer(onRequest);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  port = await listen(server, 0);
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const endpoint: Endpoint = { url, port, certificate: tls?.certificate, token: options.token };
  const direct = new DirectAccess(store);
  // A real cluster always has the default namespace; other namespaces are not required.
  direct.create('Namespace', { metadata: { name: 'default' } });

  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    hooks.releaseHung();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    url,
    port,
    caCertificate: tls?.certificate,
    get resourceVersion() {
      return String(store.revision);
    },
    get requests() {
      return hooks.requests;
    },
    get openWatches() {
      return context.watch.active.size;
    },
    close: stop,
    writeKubeconfig: (dir) => writeKubeconfigFile(dir, endpoint),
    writeServiceAccount: async (dir) => {
      if (!tls) throw new Error('fake API server: writeServiceAccount needs { https: true }');
      return writeServiceAccountFiles(dir, { ...endpoint, certificate: tls.certificate });
    },
    create: (kind, object) => direct.create(kind, object),
    get: (kind, ref) => direct.get(kind, ref),
    list: (kind, listOptions) => direct.list(kind, listOptions),
    update: (kind, object) => direct.update(kind, object),
    delete: (kind, ref) => direct.delete(kind, ref),
    dropWatches: () => {
      for (const response of context.watch.active) response.destroy();
    },
    compact: () => {
      store.compact();
    },
    failNext: (count, status = 500, match) => {
      hooks.addFailure(count, status, match);
    },
    hangNext: (count, match) => {
      hooks.addHang(count, match);
    },
    clearRequests: () => {
      hooks.clearRequests();
    },
    restart: async (whileDown) => {
      await stop();
      try {
        await whileDown?.();
      } finally {
        await listen(server, port);
      }
    },
  };
}
