import { silentLogger } from '../../src/observability/index.ts';
import { createProxy, type Proxy, type ProxyOptions } from '../../src/dataplane/index.ts';

/** A proxy listening on 127.0.0.1 with a free port. */
export interface RunningProxy {
  readonly proxy: Proxy;
  readonly port: number;
  close(graceMs?: number): Promise<void>;
}

/** Starts a proxy on 127.0.0.1:0 with a silent logger unless one is given. */
export async function startProxy(
  options: Omit<ProxyOptions, 'logger'> & { readonly logger?: ProxyOptions['logger'] },
): Promise<RunningProxy> {
  const proxy = createProxy({ logger: silentLogger(), ...options });
  const { port } = await proxy.listen(0, '127.0.0.1');
  return { proxy, port, close: (graceMs = 1_000) => proxy.close(graceMs) };
}
