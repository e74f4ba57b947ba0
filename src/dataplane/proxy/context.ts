import type { BlockList } from 'node:net';
import type { Logger } from '../../observability/index.ts';
import type { Balancer } from '../balancer/index.ts';
import type { Resilience } from '../health/index.ts';
import type { PolicyState } from '../policy/index.ts';
import type { CompiledTable } from '../compile/index.ts';
import type { UpstreamPools } from '../upstream/index.ts';
import type { ClientAddressSettings } from './client-address.ts';
import type { ConnectionLimits } from './connection-limits.ts';
import type { ConnectionTracker } from './connection-tracker.ts';
import type { ProxySettings } from './options.ts';
import type { RequestObserver } from './request-record.ts';

/** What every request handler of one proxy shares. */
export interface ProxyContext {
  readonly tables: { readonly current: CompiledTable | null };
  readonly logger: Logger;
  readonly settings: ProxySettings;
  readonly balancer: Balancer;
  readonly pools: UpstreamPools;
  /** Passive endpoint health and the retry budget, shared by every listener of the process. */
  readonly resilience: Resilience;
  readonly tracker: ConnectionTracker;
  /** Which connections the listener holds: the per-client limit and idle-first eviction. */
  readonly limits: ConnectionLimits;
  /** What the access gates keep between requests (limits, auth pools and caches). */
  readonly policy: PolicyState;
  /** Trusted proxies; null when none are configured. */
  readonly trusted: BlockList | null;
  /** What decideClient needs: the trusted proxies and the forwarded header to read. */
  readonly clients: ClientAddressSettings;
  /** Told about each request when it is over; null when nobody listens. */
  readonly observer: RequestObserver | null;
  /** Name of the listener, for request records. */
  readonly listener: string;
  /** True once close() has begun: answers then ask clients to close their connection. */
  closing: boolean;
}

/** Swallows an 'error' event: the stream's 'close' is where the proxy reacts. */
export function ignoreError(): void {
  // Listening is what matters: an 'error' with no listener would end the process.
}
