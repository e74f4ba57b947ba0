import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The network of one `netns-pods.ts` fixture: a bridge in the root namespace holding the gateway
 * address, and per Pod a network namespace whose `eth0` is one end of a veth pair, the other end
 * on the bridge. Every name starts with `pm<pid>x<n>` (the pid of the test process, the number
 * of the fixture in it), so that a later run can tell leftovers of a dead process from the
 * fixtures of a live one.
 */
export interface NetnsNetwork {
  /** `pm<pid>x<n>`: bridge `<prefix>b`, host-side veths `<prefix>h<i>`, namespaces `<prefix>p<i>`. */
  readonly prefix: string;
  readonly bridge: string;
  /** `10.231.X.0/24`. */
  readonly subnet: string;
  /** The bridge's address, `10.231.X.1`: the source address of connections to the Pods. */
  readonly gateway: string;
  /** Pod i has `addresses[i]` (`10.231.X.<i+2>`) on `eth0` in `namespaces[i]`. */
  readonly addresses: readonly string[];
  readonly namespaces: readonly string[];
  readonly hostInterfaces: readonly string[];
}

/** iproute2's `ip` (Debian puts it in /usr/sbin, which a non-root PATH may lack), or null. */
export const IP: string | null =
  ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((path) => existsSync(path)) ?? null;

/** Interface names longer than this are refused by the kernel (IFNAMSIZ - 1). */
const MAX_INTERFACE_NAME = 15;
/** Two digits of index in interface names (15 characters at most); .2 to .100 in the /24. */
const MAX_PODS = 99;
const NAME = /^pm(\d+)x\d+[bhp]\d*$/;

/** Runs `ip ARGS...`, bounded to 10 s, with `input` on standard input; resolves with stdout. */
function ip(args: readonly string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(IP ?? 'ip', args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`ip ${args.join(' ')} failed: ${stderr || error.message}\n${input}`));
    });
    // ip exits without reading standard input unless told to: that write must not throw.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** `ip -j ...` output: nothing at all (as `ip -j netns list` prints when empty) is `[]`. */
async function ipJson(args: readonly string[]): Promise<Record<string, unknown>[]> {
  const text = await ip(['-j', ...args]);
  return text.trim() === '' ? [] : (JSON.parse(text) as Record<string, unknown>[]);
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** `[first, last]` address numbers of an IPv4 `a.b.c.d[/len]`; null for IPv6 and `default`. */
function range(text: string): [number, number] | null {
  const [address = '', length = '32'] = text.split('/');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) return null;
  const size = 2 ** (32 - Number(length));
  const first = Math.floor(ipv4ToNumber(address) / size) * size;
  return [first, first + size - 1];
}

/**
 * Every IPv4 range the machine already routes or holds an address in, except the default
 * route (a more specific route of ours takes precedence over it, which is the point).
 */
async function rangesInUse(): Promise<[number, number][]> {
  const routes = await ipJson(['route', 'show', 'table', 'all']);
  const links = await ipJson(['addr']);
  const texts = routes.map((route) => String(route['dst']));
  for (const link of links) {
    for (const info of (link['addr_info'] ?? []) as Record<string, unknown>[]) {
      texts.push(`${String(info['local'])}/${String(info['prefixlen'])}`);
    }
  }
  return texts.map(range).filter((found) => found !== null);
}

/** Another interface also routes `subnet`: a fixture of another process took it meanwhile. */
async function claimedTwice(subnet: string, bridge: string): Promise<boolean> {
  const routes = await ipJson(['route', 'show', 'table', 'all']);
  return routes.some((route) => route['dst'] === subnet && route['dev'] !== bridge);
}

/** The `ip -force -batch` lines that delete everything named (missing names are skipped). */
function teardownLines(network: Pick<NetnsNetwork, 'bridge' | 'namespaces' | 'hostInterfaces'>) {
  // Deleting the host end deletes its peer at once; a deleted namespace goes away later (the
  // kernel cleans it up asynchronously), which would leave the peer listed for a while.
  return [
    ...network.hostInterfaces.map((name) => `link del ${name}`),
    ...network.namespaces.map((name) => `netns del ${name}`),
    `link del ${network.bridge}`,
  ].join('\n');
}

/** Deletes the fixture's namespaces, veths and bridge (whatever of them exists). */
export async function deleteNetwork(network: NetnsNetwork): Promise<void> {
  await ip(['-force', '-batch', '-'], teardownLines(network)).catch(() => undefined);
}

/** {@link deleteNetwork}, synchronously: for the `exit` hook, where nothing async runs. */
export function deleteNetworkSync(network: NetnsNetwork): void {
  try {
    execFileSync(IP ?? 'ip', ['-force', '-batch', '-'], {
      input: teardownLines(network),
      stdio: ['pipe', 'ignore', 'ignore'],
      timeout: 10_000,
    });
  } catch {
    // -force makes ip exit 1 when some names were already gone: nothing to do about it.
  }
}

function names(prefix: string, count: number) {
  const network = {
    bridge: `${prefix}b`,
    namespaces: Array.from({ length: count }, (_, i) => `${prefix}p${String(i)}`),
    hostInterfaces: Array.from({ length: count }, (_, i) => `${prefix}h${String(i)}`),
  };
  for (const name of [network.bridge, ...network.hostInterfaces]) {
    if (name.length > MAX_INTERFACE_NAME) throw new Error(`interface name ${name} is too long`);
  }
  return network;
}

/**
 * Creates the network of `count` Pods under `prefix` in a 10.231.X.0/24 that no route or
 * address of the machine overlaps, X derived from the pid and `serial` (another X per retry).
 */
export async function createNetwork(
  prefix: string,
  serial: number,
  count: number,
): Promise<NetnsNetwork> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PODS) {
    throw new Error(`between 1 and ${String(MAX_PODS)} Pods, not ${String(count)}`);
  }
  const named = names(prefix, count);
  for (let attempt = 0; attempt < 16; attempt++) {
    // Odd multipliers: fixtures of one process, and attempts of one fixture, differ in X.
    const x = (process.pid * 31 + serial * 17 + attempt * 101) % 256;
    const subnet = `10.231.${String(x)}.0/24`;
    const [first, last] = range(subnet) ?? [0, 0];
    const inUse = await rangesInUse();
    if (inUse.some(([from, to]) => from <= last && to >= first)) continue;
    const gateway = `10.231.${String(x)}.1`;
    await ip(
      ['-batch', '-'],
      [
        `link add ${named.bridge} type bridge`,
        `addr add ${gateway}/24 dev ${named.bridge}`,
        `link set ${named.bridge} up`,
      ].join('\n'),
    );
    // Checking first and adding then is a race with other processes doing the same: the loser
    // of a tie sees both routes and moves on.
    if (await claimedTwice(subnet, named.bridge)) {
      await ip(['link', 'del', named.bridge]);
      continue;
    }
    const network = {
      prefix,
      subnet,
      gateway,
      ...named,
      addresses: named.namespaces.map((_, i) => `10.231.${String(x)}.${String(i + 2)}`),
    };
    try {
      await addPods(network);
    } catch (error) {
      await deleteNetwork(network);
      throw error;
    }
    return network;
  }
  throw new Error('no free 10.231.X.0/24 found in 16 attempts');
}

async function addPods(network: NetnsNetwork): Promise<void> {
  await ip(
    ['-batch', '-'],
    network.namespaces
      .flatMap((namespace, i) => {
        const host = network.hostInterfaces[i] ?? '';
        return [
          `netns add ${namespace}`,
          `link add ${host} type veth peer name eth0 netns ${namespace}`,
          `link set ${host} master ${network.bridge} up`,
        ];
      })
      .join('\n'),
  );
  await Promise.all(
    network.namespaces.map((namespace, i) =>
      ip(
        ['-n', namespace, '-batch', '-'],
        [
          `addr add ${network.addresses[i] ?? ''}/24 dev eth0`,
          'link set eth0 up',
          'link set lo up',
        ].join('\n'),
      ),
    ),
  );
}

/** Whether process `pid` exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes what fixtures of processes that no longer exist left behind (a test process killed
 * by SIGKILL runs no hook), killing any process still running in their namespaces.
 */
export async function sweepLeftovers(): Promise<string[]> {
  const dead = (name: string) => {
    const pid = NAME.exec(name)?.[1];
    return pid !== undefined && Number(pid) !== process.pid && !alive(Number(pid));
  };
  const namespaces = (await ipJson(['netns', 'list']))
    .map((entry) => String(entry['name']))
    .filter(dead);
  const interfaces = (await ipJson(['link'])).map((entry) => String(entry['ifname'])).filter(dead);
  for (const namespace of namespaces) {
    const pids = await ip(['netns', 'pids', namespace]).catch(() => '');
    for (const pid of pids.split('\n').filter((line) => line !== '')) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
  if (namespaces.length + interfaces.length > 0) {
    await ip(
      ['-force', '-batch', '-'],
      [
        ...interfaces.map((name) => `link del ${name}`),
        ...namespaces.map((name) => `netns del ${name}`),
      ].join('\n'),
    ).catch(() => undefined);
  }
  return [...namespaces, ...interfaces];
}

/**
 * The network namespaces (`ip -j netns list`) and root-namespace interfaces (`ip -j link`) named
 * for the fixture `prefix` (`pm1x1` does not claim `pm1x10b`).
 */
export async function namesOf(prefix: string): Promise<string[]> {
  const namespaces = (await ipJson(['netns', 'list'])).map((entry) => String(entry['name']));
  const interfaces = (await ipJson(['link'])).map((entry) => String(entry['ifname']));
  const ours = new RegExp(`^${prefix}[bhp]`);
  return [...namespaces, ...interfaces].filter((name) => ours.test(name));
}
