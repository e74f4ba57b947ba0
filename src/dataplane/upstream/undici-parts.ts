// The parts of undici the proxy uses, each loaded from its own file. undici's index also loads
// fetch, WebSocket, the HTTP cache, the mock agents and the interceptors, none of which a proxy
// worker runs: importing the index alone cost 14 MB more RSS than these four files (`node
// --expose-gc`, RSS after `gc()`: 72.0 MB against 58.2 MB), and 4.5 MB more in a worker, whose
// other modules share part of it (all its modules: 87.9 MB against 83.4). undici 7 has no
// `exports` map, so these paths resolve as its index resolves them; the lockfile pins the
// version, and the upstream tests (pools, connector, resilience) fail if a path moves. The
// typings are undici's own, from its index.
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

/** undici's HTTP/1.1 client of one origin (one connection). */
export const Client = require('undici/lib/dispatcher/client.js') as typeof Undici.Client;
/** An undici Client instance. */
export type Client = Undici.Client;

/** undici's pool of Clients of one origin. */
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
/** An undici Pool instance. */
export type Pool = Undici.Pool;

/** undici's TCP and TLS connector, as its clients use by default. */
export const buildConnector = require('undici/lib/core/connect.js') as typeof Undici.buildConnector;

/** undici's error classes. */
export const errors = require('undici/lib/core/errors.js') as typeof Undici.errors;
