import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The session cookie of {@link startAuthServer}, as oauth2-proxy names its own. */
export const SESSION_COOKIE = '_oauth2_proxy';

/** A running oauth2-proxy-like auth server. */
export interface AuthServer {
  readonly port: number;
  /** Requests to `/oauth2/auth` (and `/status/*`, `/hang`) so far. */
  readonly checks: number;
  /** The headers of the last auth check received. */
  readonly lastCheck: IncomingHttpHeaders | undefined;
  readonly lastCheckMethod: string | undefined;
  readonly lastCheckUrl: string | undefined;
  close(): Promise<void>;
}

function sessionOf(headers: IncomingHttpHeaders): string | undefined {
  for (const pair of (headers.cookie ?? '').split(';')) {
    const [name, value] = pair.trim().split('=');
    if (name === SESSION_COOKIE) return value;
  }
  return undefined;
}

/**
 * A small oauth2-proxy on 127.0.0.1 (port 0):
 * - `/oauth2/auth`: 202 with X-Auth-Request-User and -Email for a session cookie
 *   `user-NAME`, 403 for `banned`, else 401 with `WWW-Authenticate: Bearer realm="test"`;
 *   `?refresh=1` adds a Set-Cookie to the 202;
 * - `/oauth2/start?rd=URL`: sets the session cookie (`user-alice`) and redirects to rd;
 * - `/status/NNN`: answers NNN; `/hang`: never answers.
 */
export async function startAuthServer(): Promise<AuthServer> {
  const state = {
    checks: 0,
    lastCheck: undefined as IncomingHttpHeaders | undefined,
    lastCheckMethod: undefined as string | undefined,
    lastCheckUrl: undefined as string | undefined,
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://auth');
    if (url.pathname === '/oauth2/start') {
      const rd = url.searchParams.get('rd') ?? '/';
      res.writeHead(302, {
        location: rd,
        'set-cookie': `${SESSION_COOKIE}=user-alice; Path=/; HttpOnly`,
      });
      res.end();
      return;
    }
    state.checks++;
    state.lastCheck = req.headers;
    state.lastCheckMethod = req.method;
    state.lastCheckUrl = req.url;
    if (url.pathname === '/hang') return;
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (status !== null) {
      res.writeHead(Number(status[1]));
      res.end('status');
      return;
    }
    const session = sessionOf(req.headers);
    if (session?.startsWith('user-') === true) {
      const user = session.slice(5);
      const headers: Record<string, string> = {
        'x-auth-request-user': user,
        'x-auth-request-email': `${user}@example.com`,
      };
      if (url.searchParams.get('refresh') === '1') headers['set-cookie'] = 'refreshed=1; Path=/';
      res.writeHead(202, headers);
      res.end();
      return;
    }
    if (session === 'banned') {
      res.writeHead(403);
      res.end('forbidden');
      return;
    }
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="test"' });
    res.end('unauthorized');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get checks() {
      return state.checks;
    },
    get lastCheck() {
      return state.lastCheck;
    },
    get lastCheckMethod() {
      return state.lastCheckMethod;
    },
    get lastCheckUrl() {
      return state.lastCheckUrl;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
