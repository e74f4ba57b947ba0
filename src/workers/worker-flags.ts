/**
 * The young generation's largest semi-space a worker runs with, in MiB. By default V8 sizes it
 * from the heap limit (64 MiB on a machine with 24 GiB), and a worker reached 190-240 MiB RSS
 * under `wrk -c50`; 8 MiB kept it near 150 MiB for up to a tenth more CPU per request, 4 MiB
 * near 136-155 MiB for about 15 % more (bench/proxy/run.ts `--workers 2`, alternated;
 * bench/README.md).
 * A proxy's garbage is short-lived request state, so a smaller nursery is collected more often
 * but not at a higher cost per object.
 */
export const WORKER_SEMI_SPACE_MIB = 8;

/**
 * The Node flags the container image starts the control plane with (Dockerfile ENTRYPOINT;
 * a test keeps the two equal). Node cannot change the young generation's size once it runs,
 * and by default it grows to 64 MiB semi-spaces while 10,000 Ingresses are read and never gives
 * them back: the control plane of `--workers 2` held 484-501 MiB RSS there, 371-386 with 8 MiB
 * semi-spaces, ready no later (bench/scale.ts; bench/README.md, docs/workers.md). The workers
 * are then given the same size, passed on as the operator's choice.
 */
export const IMAGE_NODE_FLAGS: readonly string[] = [
  `--max-semi-space-size=${String(WORKER_SEMI_SPACE_MIB)}`,
];

const SEMI_SPACE_FLAG = /(^|\s)--max-semi-space-size(=|\s|$)/;

/**
 * The Node options a worker process starts with: the control plane's own (`execArgv`), plus
 * the worker's semi-space size unless the operator chose one, on the command line or in
 * `NODE_OPTIONS` (a command-line flag would override NODE_OPTIONS, so it is left out then).
 */
export function workerExecArgv(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string[] {
  const chosen =
    execArgv.some((flag) => SEMI_SPACE_FLAG.test(flag)) ||
    (nodeOptions !== undefined && SEMI_SPACE_FLAG.test(nodeOptions));
  return chosen
    ? [...execArgv]
    : [...execArgv, `--max-semi-space-size=${String(WORKER_SEMI_SPACE_MIB)}`];
}
