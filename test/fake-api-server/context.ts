import type { ObjectStore } from './store.ts';
import type { WatchEnvironment } from './watch.ts';

/** What request handlers share. */
export interface ServerContext {
  readonly store: ObjectStore;
  readonly watch: WatchEnvironment;
  readonly minorVersion: number;
  readonly maxBodyBytes: number;
  /** `host:port` of the listener, for `/api`'s serverAddressByClientCIDRs. */
  readonly address: () => string;
}
