import type { AddressInfo } from 'node:net';
import { ControlLoop, FilesSource } from '../control/index.ts';
import { createProxy, TableHolder, type ProxyOptions } from '../dataplane/index.ts';
import { createAdminServer, type Logger } from '../observability/index.ts';
import { ObjectStore } from '../store/index.ts';
import type { StoredObject } from '../objects/index.ts';
import type { TranslateOptions } from '../translate/index.ts';

/** Everything `serve` (and `demo`) needs to run the controller. */
export interface ServeConfig {
  readonly manifests: readonly string[];
  readonly translate: TranslateOptions;
  readonly bind: string;
  readonly httpPort: number;
  readonly adminBind: string;
  readonly adminPort: number;
  readonly proxy: Omit<ProxyOptions, 'tables' | 'logger'>;
  readonly logger: Logger;
  /**
   * Objects of other sources by source id, put in the store before the first translation; they
   * win over the manifests' objects of the same identity (the demo's Pod addresses use this).
   */
  readonly extraObjects?: ReadonlyMap<string, readonly StoredObject[]>;
}

/** A running controller: its bound addresses, its store, and a graceful stop. */
export interface RunningServe {
  readonly http: AddressInfo;
  readonly admin: AddressInfo;
  readonly store: ObjectStore;
  /** Readiness off, listeners closed, in-flight requests finished (at most `graceMs`), all closed. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Wires the controller together: manifests -> store -> control loop -> table holder -> proxy,
 * with the admin server looking on. Resolves once every listener is bound and the first route
 * table is live.
 */
export async function startServe(config: ServeConfig): Promise<RunningServe> {
  const { logger } = config;
  const extra = config.extraObjects ?? new Map<string, readonly StoredObject[]>();
  const store = new ObjectStore({ sourcePriority: [...extra.keys(), 'files'] });
  for (const [source, objects] of extra) store.replaceSource(source, objects);
  const holder = new TableHolder();
  const files = new FilesSource({ paths: config.manifests, store, logger });
  const loop = new ControlLoop({
    store,
    holder,
    logger,
    translateOptions: config.translate,
    diagnostics: () => files.diagnostics,
  });
  const proxy = createProxy({ ...config.proxy, tables: holder, logger });
  const admin = createAdminServer({ status: loop, logger });
  const stopAll = async (graceMs: number): Promise<void> => {
    admin.setShuttingDown();
    files.close();
    loop.close();
    await proxy.close(graceMs);
    await admin.close();
    store.close();
  };
  try {
    const adminAddress = await admin.listen(config.adminPort, config.adminBind);
    await files.start();
    loop.start();
    const httpAddress = await proxy.listen(config.httpPort, config.bind);
    logger.info(
      { component: 'serve', http: httpAddress, admin: adminAddress },
      'pointsman is serving',
    );
    return { http: httpAddress, admin: adminAddress, store, stop: stopAll };
  } catch (error) {
    await stopAll(0);
    throw error;
  }
}
