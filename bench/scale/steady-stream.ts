import { startChild, stopChild } from '../proxy/children.ts';
import { parseWrk, wrkArgs, wrkMaxLatencyMs } from '../proxy/wrk.ts';

/** What a steady stream saw between its start and its stop. */
export interface StreamFigures {
  readonly requests: number;
  /** Answers outside 2xx and 3xx, and socket errors. */
  readonly failures: number;
  /** The longest request, ms: with one connection in a closed loop, the longest gap too. */
  readonly longestMs: number;
}

/**
 * A steady stream of GETs to 127.0.0.1:`port`, Host `host`, over one kept-alive connection in a
 * closed loop: wrk with one thread and one connection, stopped with SIGINT (on which it prints
 * its figures), at most `boundSeconds` long. A C client, so that the longest request is the
 * proxy's and the machine's, not a JavaScript client's garbage collections (a Node loop here
 * showed up to 17 ms on its own, straight to nginx).
 */
export function startSteadyStream(
  wrk: string,
  port: number,
  host: string,
  boundSeconds: number,
): { stop(): Promise<StreamFigures> } {
  const args = wrkArgs({ wrk, port, host, seconds: boundSeconds, threads: 1, connections: 1 });
  const child = startChild(wrk, args);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  return {
    async stop(): Promise<StreamFigures> {
      child.kill('SIGINT');
      const guard = setTimeout(() => void stopChild(child), 10_000);
      await exited;
      clearTimeout(guard);
      const result = parseWrk(out);
      const socketErrors = (result.socketErrors ?? '')
        .split(',')
        .reduce((sum, part) => sum + Number(/\d+/.exec(part)?.[0] ?? 0), 0);
      return {
        requests: result.requests,
        failures: result.non2xx + socketErrors,
        longestMs: wrkMaxLatencyMs(out),
      };
    },
  };
}
