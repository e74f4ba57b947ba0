// What does serving an error page cost, and does it stay bounded? Starts `pointsman serve`
// with a route whose upstream answers 503 (listed in custom-http-errors, so each answer is
// replaced by a page from the error backend) and one whose upstream answers 500 (not listed,
// relayed), sends REQUESTS of each over CONCURRENCY keep-alive connections, and prints p50/p99
// latency of each kind and the proxy's RSS before and after (the pages are kept whole, up to
// 1 MiB each, only while they are written).
//
//   node bench/error-pages.ts [--requests 5000] [--concurrency 32]
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import {
  INGRESS_CLASS,
  ingressWith,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../test/helpers/manifests.ts';
import { startServeProcess } from '../test/helpers/serve-process.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const A = 'nginx.ingress.kubernetes.io';

async function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const portOf = (server: Server): number => (server.address() as AddressInfo).port;

const app = await listen((req, res) => {
  req.resume();
  res.writeHead(req.url === '/503' ? 503 : 500, { 'content-type': 'text/plain' });
  res.end('upstream error body');
});
const page = Buffer.alloc(4096, 'p');
const errors = await listen((req, res) => {
  req.resume();
  res.writeHead(Number(req.headers['x-code'] ?? '200'), { 'content-type': 'text/html' });
  res.end(page);
});
const dir = await manifestDir();
await writeManifests(join(dir, 'all.yaml'), [
  INGRESS_CLASS,
  ...serviceWithEndpoints('app', [portOf(app)]),
  ...serviceWithEndpoints('errors', [portOf(errors)]),
  ingressWith({
    name: 'pages',
    hosts: ['pages.example.com'],
    paths: [{ path: '/', service: 'app' }],
    annotations: { [`${A}/custom-http-errors`]: '503', [`${A}/default-backend`]: 'errors' },
  }),
]);
const serve = await startServeProcess('serve', ['--manifests', dir]);
const rss = async (): Promise<number> => {
  const status = await readFile(`/proc/${String(serve.child.pid)}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? '0') / 1024;
};

async function run(path: string, expect: number): Promise<number[]> {
  const agent = new Agent({ connections: CONCURRENCY });
  const origin = `http://127.0.0.1:${String(serve.httpPort)}`;
  const times: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < REQUESTS) {
      next++;
      const start = performance.now();
      const reply = await request(`${origin}${path}`, {
        headers: { host: 'pages.example.com' },
        dispatcher: agent,
      });
      await reply.body.arrayBuffer();
      if (reply.statusCode !== expect) throw new Error(`${path}: ${String(reply.statusCode)}`);
      times.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await agent.close();
  return times.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number): string =>
  (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0).toFixed(2);

try {
  await run('/500', 500); // warm-up
  const before = await rss();
  const relayed = await run('/500', 500);
  const paged = await run('/503', 503);
  const after = await rss();
  console.log(`requests: ${String(REQUESTS)} of each, ${String(CONCURRENCY)} connections`);
  console.log(`relayed 500:   p50 ${pct(relayed, 0.5)} ms, p99 ${pct(relayed, 0.99)} ms`);
  console.log(`error page 503: p50 ${pct(paged, 0.5)} ms, p99 ${pct(paged, 0.99)} ms`);
  console.log(`proxy RSS: ${before.toFixed(1)} MiB before, ${after.toFixed(1)} MiB after`);
} finally {
  await serve.stop();
  app.closeAllConnections();
  errors.closeAllConnections();
  app.close();
  errors.close();
}
