import { pino, type Logger as PinoLogger } from 'pino';

/** The structured logger every room uses: pino's, so JSON lines with a `component` field. */
export type Logger = PinoLogger;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  readonly level?: string;
  /** Where the lines go; standard error when absent (standard output is for command output). */
  readonly destination?: NodeJS.WritableStream;
}

/** Creates the root logger; rooms take a child with `logger.child({ component: 'proxy' })`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: false });
  return pino(
    { level: options.level ?? 'info', base: null, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  );
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
