// Like proxy-child.ts, with h2c (HTTP/2 with prior knowledge) on the listener: a proxy in a
// child process of its own, so a test can measure the proxy's memory alone while it floods it.
// Started with fork(); argv[2] is the upstream port. Messages: it sends { port } once
// listening; it answers 'rss' with { rss, handled } (requests the proxy finished, answered or
// saw cut) and 'close' by closing and exiting.
import { createProxy } from '../../src/dataplane/index.ts';
import { silentLogger } from '../../src/observability/index.ts';
import { holderWith } from './route-table.ts';

const upstreamPort = Number(process.argv[2]);
let handled = 0;
const proxy = createProxy({
  logger: silentLogger(),
  http2: true,
  observer: {
    onRequestEnd: () => {
      handled++;
    },
  },
  tables: holderWith({
    routes: [{ host: 'a.test', path: '/public', backend: 'b' }],
    backends: { b: [{ address: '127.0.0.1', port: upstreamPort }] },
  }),
});
const { port } = await proxy.listen(0, '127.0.0.1');
process.send?.({ port });
process.on('message', (message) => {
  if (message === 'rss') process.send?.({ rss: process.memoryUsage().rss, handled });
  if (message === 'close') {
    void proxy.close(1_000).then(() => process.exit(0));
  }
});
