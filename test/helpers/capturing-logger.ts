import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observability/index.ts';

/** One logged line, parsed. */
export type LogLine = Record<string, unknown> & { readonly level: number; readonly msg: string };

/**
 * A logger whose lines the test can read, parsed, in order (pino levels: 20 debug, 30 info,
 * 40 warn, 50 error), at `level` and above (default debug).
 */
export function capturingLogger(level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text !== '') lines.push(JSON.parse(text) as LogLine);
      }
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}
