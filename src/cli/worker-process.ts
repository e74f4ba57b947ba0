/**
 * The data-plane worker (`serve --workers N`, N > 1): a child process the control plane forks
 * (through bin/pointsman-worker.js) and sends its setup as the first message. It runs the
 * proxies and nothing else: no source, no Kubernetes client, no translation. Tables arrive as
 * messages (ir/table-transfer.ts) and are applied between requests; access log lines, traffic
 * counts and metrics go back. When the channel to the control plane closes (it died), the
 * worker stops: it never serves a table nobody keeps up to date.
 */
import { TableDecoder } from '../ir/index.ts';
import { createLogger } from '../observability/logger.ts';
import { createTelemetry } from '../observability/telemetry.ts';
import { LineRelay } from '../workers/line-relay.ts';
import { SharedLimits } from '../workers/shared-limits.ts';
import { TrafficRelay } from '../workers/traffic-relay.ts';
import type { FromWorker, ToWorker, WorkerSetup } from '../workers/protocol.ts';
import { createDataPlane } from './data-plane-runtime.ts';

const REPORT_EVERY_MS = 1_000;
/** How long a worker waits for the shared limits before it listens anyway. */
const LIMITS_CONNECT_MS = 2_000;

const send = (message: FromWorker): void => {
  if (process.connected) process.send?.(message);
};

/** Whether the setup arrived (a worker that never got one just exits). */
let started = false;

/**
 * Runs the worker that `setup` describes (it arrives as the first message, not as an
 * argument: it holds key material, and a command line is readable by every local user).
 */
function run(setup: WorkerSetup): void {
  started = true;
  const logger = createLogger({ level: setup.logLevel }).child({ worker: setup.index });
  const relay = new LineRelay((text) => {
    send({ type: 'log', text });
  });
  const traffic = new TrafficRelay();
  const telemetry = createTelemetry(
    {
      metrics: setup.metrics,
      accessLog: {
        target: setup.accessLog === null ? { kind: 'off' } : { kind: 'stdout' },
        skipPaths: setup.accessLog?.skipPaths ?? [],
        sampleRatio: setup.accessLog?.sampleRatio ?? 1,
      },
    },
    {
      logger,
      trafficObserver: traffic,
      ...(setup.accessLog === null ? {} : { accessLogSink: relay.write }),
    },
  );
  const limits = new SharedLimits({ address: setup.limits, logger });
  limits.connect();
  const plane = createDataPlane(
    {
      limits,
      proxy: {
        ...setup.proxy,
        ...(setup.sessionCookieKey === undefined
          ? {}
          : { sessionCookieKey: Uint8Array.from(setup.sessionCookieKey) }),
      },
      ...(setup.resilience === undefined ? {} : { resilience: setup.resilience }),
      ...(setup.proxyProtocol === undefined ? {} : { proxyProtocol: setup.proxyProtocol }),
      ...(setup.https === null ? {} : { https: setup.https }),
    },
    logger,
    telemetry,
  );
  const decoder = new TableDecoder();
  let listening = false;
  let stopping = false;

  function apply(sequence: number, message: Extract<ToWorker, { type: 'table' }>['table']): void {
    const started = performance.now();
    const { table, materials } = decoder.decode(message);
    const decoded = performance.now();
    plane.holder.swap(table, materials.certificates, materials.upstreamTls, materials.access);
    telemetry.metrics?.routesLive(table);
    const ms = performance.now() - started;
    logger.debug(
      {
        version: table.version,
        items: message.items.length,
        decodeMs: Math.round((decoded - started) * 10) / 10,
        applyMs: Math.round(ms * 10) / 10,
      },
      'table applied',
    );
    telemetry.metrics?.tableApplied(ms / 1000);
    send({ type: 'applied', sequence, version: table.version });
    // The first table before the first connection: a worker never answers 503 for want of one.
    if (!listening) {
      listening = true;
      void listen();
    }
  }

  async function listen(): Promise<void> {
    // Counted with the other workers from the first request (else on its own, and logged).
    await limits.whenConnected(LIMITS_CONNECT_MS);
    try {
      const bound = await plane.listen({
        bind: setup.bind,
        httpPort: setup.httpPort,
        ...(setup.https === null ? {} : { httpsPort: setup.https.port }),
        reusePort: true,
      });
      send({ type: 'listening', ...bound });
    } catch (error) {
      logger.fatal({ err: error }, 'worker cannot listen');
      logger.flush();
      process.exit(1);
    }
  }

  async function stop(graceMs: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    clearInterval(reports);
    await plane.close(graceMs);
    limits.close();
    relay.flush();
    flushTraffic();
    await telemetry.close();
    // Exits once the control plane has everything sent before (the channel keeps order).
    if (process.connected)
      process.send?.({ type: 'stopped' } satisfies FromWorker, () => process.exit(0));
    else process.exit(0);
  }

  let healthShown = false;
  /** Sends the traffic counts and passive health, when there is something new to say. */
  function flushTraffic(): void {
    const counts = traffic.drain();
    const health = plane.health.snapshot();
    if (counts.length === 0 && health.length === 0 && !healthShown) return;
    healthShown = health.length > 0;
    send({ type: 'tally', counts, health });
  }

  const reports = setInterval(flushTraffic, REPORT_EVERY_MS);

  process.on('message', (message: ToWorker) => {
    try {
      if (message.type === 'setup') return;
      if (message.type === 'table') apply(message.sequence, message.table);
      else if (message.type === 'collect') {
        relay.flush();
        void (async () => {
          const metrics = (await telemetry.metrics?.registry.getMetricsAsJSON()) ?? null;
          send({
            type: 'report',
            id: message.id,
            metrics,
            health: plane.health.snapshot(),
            counts: traffic.drain(),
          });
        })();
      } else void stop(message.graceMs);
    } catch (error) {
      // A table that cannot be applied is a bug; the control plane restarts the worker.
      logger.fatal({ err: error }, 'worker failed');
      logger.flush();
      process.exit(1);
    }
  });
  process.on('disconnect', () => {
    void stop(0);
  });
}

process.once('message', (message: ToWorker) => {
  if (message.type === 'setup') run(message.setup);
  else process.exit(1);
});
// Without a control plane there is nothing to serve.
process.once('disconnect', () => {
  if (!started) process.exit(0);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  // The control plane decides when workers stop; a signal to the whole process group (Ctrl-C)
  // must not cut requests short before it says so.
  process.on(signal, () => undefined);
}
