import type { Server } from 'node:http';
import type { ProxyContext } from './context.ts';

/**
 * Graceful close. New connections are refused at once and idle keep-alive connections closed;
 * answers still to be written ask their client to close (`Connection: close`), and each
 * connection that falls idle is closed. When nothing is in flight, the rest closes and the
 * upstream pools close cleanly; at `graceMs`, tunnels, connections and pools are cut instead.
 */
export async function drainProxy(
  server: Server,
  context: ProxyContext,
  graceMs: number,
): Promise<void> {
  context.closing = true;
  const serverClosed = new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  context.tracker.onRequestDone = () => {
    // Node marks the connection idle only after the response's 'close' listeners have run.
    setImmediate(() => {
      server.closeIdleConnections();
    });
  };
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => {
      resolve('deadline');
    }, graceMs);
  });
  const outcome = await Promise.race([
    context.tracker.idle().then(() => 'idle' as const),
    deadline,
  ]);
  clearTimeout(timer);
  if (outcome === 'deadline') context.tracker.destroyTunnels();
  // Nothing is in flight any more (or time is up): what remains is idle or half-sent heads.
  server.closeAllConnections();
  if (outcome === 'deadline') await context.pools.destroy();
  else await context.pools.close();
  await serverClosed;
  // What was cut reports its 'close' events last; stats() reads zero once close() resolves.
  await context.tracker.idle();
}
