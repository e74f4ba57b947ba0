import { createServer, type AddressInfo } from 'node:net';

/**
 * A loopback port nothing listens on: connects to it are refused. (Another process could take
 * it between the close and the test's connect; on loopback with ports picked by the kernel
 * this does not happen in practice.)
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}
