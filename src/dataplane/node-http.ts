// node:http loaded through `require`, for every module of the proxy that needs its values. An ESM
// import of a built-in module builds its namespace from all its exports, and node:http's include
// lazy getters (WebSocket, CloseEvent, MessageEvent) that load Node's bundled undici (fetch,
// WebSocket, the dispatchers) to answer: 13 MB of RSS per process for nothing the proxy uses
// (`node --expose-gc`, RSS after `gc()` with `import * as http from 'node:http'`: 59.1 MB;
// with `require`: 46.3 MB). `import type` from node:http is erased and stays as it is.
import { createRequire } from 'node:module';
import type * as Http from 'node:http';

const http = createRequire(import.meta.url)('node:http') as typeof Http;

/** node:http's `createServer`. */
export const createServer = http.createServer;
/** node:http's `request`. */
export const request = http.request;
/** node:http's reason phrases by status code. */
export const STATUS_CODES = http.STATUS_CODES;
