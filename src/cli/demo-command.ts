import type { AddressInfo } from 'node:net';
import { podsOfSlices, startPods, withPort, type EchoPod } from '../demo/index.ts';
import type { StoredObject } from '../objects/index.ts';
import { createLogger } from '../observability/index.ts';
import { loadManifests } from '../sources/files/index.ts';
import { parseInteger } from './duration.ts';
import { INPUT_FLAGS, parseFlags, translateOptionsFrom } from './flags.ts';
import { EXIT, type CliIo } from './io.ts';
import { runUntilSignal, SERVE_FLAGS, serveFlagsHelp, serveSettingsFrom } from './serve-command.ts';
import { STATUS_PAGE_FLAGS, statusPageSettingsFrom } from './status-page-flags.ts';
import { TLS_FLAGS, tlsSettingsFrom } from './tls-flags.ts';

/** Help for `pointsman demo`. */
export const DEMO_HELP = `Usage: pointsman demo [--manifests PATH...] [--pod-port PORT] [serve options]

Shows the whole flow of an Ingress controller on one machine, with no cluster:
external user -> pointsman -> Service -> Pod. It starts a small echo server on loopback for every
endpoint of the EndpointSlices in the manifests (standing in for the Pods; each answers JSON
naming its Service and Pod and echoing the request), serves the Ingresses like 'pointsman
serve', and prints curl lines to try. Ctrl-C stops everything it started.

  -f, --manifests PATH            manifests to load (default: examples/)
      --pod-port PORT             port for the echo Pods instead of the EndpointSlices' one
                                  (0 picks a free port)
${serveFlagsHelp({ bind: '127.0.0.1', adminBind: '127.0.0.1' })}
`;

/** `pointsman demo`, which `npm start` runs. */
export async function demoCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      ...INPUT_FLAGS,
      ...SERVE_FLAGS,
      ...STATUS_PAGE_FLAGS,
      ...TLS_FLAGS,
      'pod-port': { type: 'string' },
    },
    false,
  );
  if (values.help) {
    io.out(DEMO_HELP);
    return EXIT.ok;
  }
  const settings = serveSettingsFrom(values, {
    bind: '127.0.0.1',
    adminBind: '127.0.0.1',
    httpPort: 8080,
    adminPort: 10254,
  });
  // A local demo: the status listener keeps the loopback default of serve, which is all it needs.
  const statusPage = statusPageSettingsFrom(values);
  const tls = tlsSettingsFrom(values, { httpsPort: 8443 });
  const manifests = values.manifests ?? [new URL('../../examples/', import.meta.url).pathname];
  const podPortFlag = values['pod-port'];
  const podPort =
    podPortFlag === undefined ? undefined : parseInteger('pod-port', podPortFlag, 0, 65535);
  const load = await loadManifests(manifests);
  const slices = load.objects.filter((object) => object.kind === 'EndpointSlice');
  let pods: EchoPod[];
  let chosenPort: number | undefined;
  try {
    ({ pods, port: chosenPort } = await startPods(podsOfSlices(slices), podPort));
  } catch (error) {
    io.err(
      `pointsman demo: cannot start the echo Pods: ${error instanceof Error ? error.message : String(error)}\n` +
        `(use --pod-port 0 to let them pick a free port)\n`,
    );
    return EXIT.inputErrors;
  }
  const logger = createLogger({ level: values['log-level'] ?? 'warn' });
  const extraObjects = new Map<string, readonly StoredObject[]>();
  if (chosenPort !== undefined) {
    const port = chosenPort;
    extraObjects.set(
      'demo',
      slices.map((slice) => withPort(slice, port)),
    );
  }
  try {
    return await runUntilSignal(
      {
        ...settings,
        ...statusPage,
        manifests,
        translate: {
          ...translateOptionsFrom(values),
          defaultCertificate: tls.defaultCertificate,
          sslPassthrough: tls.sslPassthrough,
        },
        https: tls.https,
        logger,
        extraObjects,
      },
      settings.graceMs,
      logger,
      io,
      (running) => {
        const ports = { http: running.http.port, https: running.https?.port ?? null };
        io.out(demoBanner(running.http.address, ports, running.statusPage, pods));
      },
    );
  } finally {
    await Promise.all(pods.map((pod) => pod.close()));
  }
}

function demoBanner(
  address: string,
  ports: { readonly http: number; readonly https: number | null },
  statusPage: AddressInfo,
  pods: readonly EchoPod[],
): string {
  const host = bracketed(address);
  const base = `http://${host}:${String(ports.http)}`;
  const status = `http://${bracketed(statusPage.address)}:${String(statusPage.port)}`;
  // No Secret in examples/, so HTTPS serves the self-signed default certificate: hence -k.
  const https =
    ports.https === null
      ? ''
      : `  # HTTPS, with the self-signed default certificate (hence -k); Host picks the route
  curl -sk -H 'Host: shop.example.com' https://${host}:${String(ports.https)}/
`;
  const podLines = pods
    .map(
      (p) =>
        `  ${p.identity.service.padEnd(9)} ${p.identity.pod.padEnd(22)} ${p.address.address}:${String(p.address.port)}`,
    )
    .join('\n');
  return `pointsman demo: serving the Ingresses of examples/ on ${base}

Status page (routes, problems, certificates, traffic): ${status}/

Pods (echo servers standing in for them):
${podLines}

Try:
  # Host routing: shop.example.com goes to the frontend Service
  curl -s -H 'Host: shop.example.com' ${base}/
  # Host routing: api.example.com goes to the api Service
  curl -s -H 'Host: api.example.com' ${base}/v1/items
  # Path routing on example.com: /api goes to api, /admin to admin, the rest to frontend
  curl -s -H 'Host: example.com' ${base}/api/users
  curl -s -H 'Host: example.com' ${base}/admin/settings
  # Load balancing: the two frontend Pods answer in turn
  for i in 1 2 3 4; do curl -s -H 'Host: shop.example.com' ${base}/ | grep '"pod"'; done
  # No Ingress for this host: 404
  curl -s -i -H 'Host: unknown.example.com' ${base}/
${https}  # What pointsman built, and why
  curl -s ${status}/debug/routes
  npx pointsman explain --manifests examples/ http://example.com/api/users

Press Ctrl-C to stop.
`;
}

function bracketed(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
