import { readFileSync } from 'node:fs';

/** Where Linux (5.14 and later) keeps the setting, per network namespace. */
export const TCP_MIGRATE_REQ_PATH = '/proc/sys/net/ipv4/tcp_migrate_req';

/**
 * Whether the kernel moves connections queued on a closing listener to another listener of its
 * SO_REUSEPORT group (`net.ipv4.tcp_migrate_req`): true or false, null when the file cannot be
 * read (an older kernel, no /proc). Without it, a worker killed outright resets the new
 * connections the kernel handed it until its sockets close (docs/workers.md).
 */
export function migratesQueuedConnections(path = TCP_MIGRATE_REQ_PATH): boolean | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
  if (text === '1') return true;
  if (text === '0') return false;
  return null;
}
