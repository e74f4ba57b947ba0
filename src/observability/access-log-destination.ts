import { pino } from 'pino';
import type { Logger } from './logger.ts';

/** Where access log lines go when they go somewhere: standard output, or a file. */
export type DestinationTarget =
  { readonly kind: 'stdout' } | { readonly kind: 'file'; readonly path: string };

/** Options of {@link openDestination}. */
export interface DestinationOptions {
  readonly target: DestinationTarget;
  /** Most bytes held for a destination that cannot keep up; lines beyond it are dropped. */
  readonly maxBufferBytes: number;
  /** Where a failing destination and the first dropped line are reported. */
  readonly logger: Logger;
}

/** The stream access log lines are written to. */
export interface Destination {
  /** Buffers one line; drops it when {@link DestinationOptions.maxBufferBytes} are held. */
  write(line: string): void;
  /** Lines dropped so far. */
  readonly dropped: number;
  /**
   * Writes what is buffered to the file as it is open now, then opens its path again (where log
   * rotation put a new file); resolves once it is open. Does nothing for standard output.
   */
  reopen(): Promise<void>;
  /** Writes what is buffered and closes; resolves within {@link CLOSE_WAIT_MS}. */
  close(): Promise<void>;
}

/** Default of {@link DestinationOptions.maxBufferBytes}: a few seconds of a busy proxy's lines. */
export const DEFAULT_MAX_BUFFER_BYTES = 16 * 1024 * 1024;

/** The longest {@link Destination.close} waits for a destination that does not drain. */
export const CLOSE_WAIT_MS = 2_000;

// Lines are written in batches of at least BATCH_BYTES, and at least every FLUSH_EVERY_MS: an
// asynchronous write costs far more CPU than formatting a line, whatever its size, so fewer,
// larger writes leave the event loop to requests. sonic-boom needs the batch below 16 KiB.
const BATCH_BYTES = 8192;
const FLUSH_EVERY_MS = 1000;

type Boom = ReturnType<typeof pino.destination>;

/**
 * Opens pino's asynchronous destination (sonic-boom, `sync: false`) for the target: a slow
 * disk or reader never blocks the event loop, and what it cannot take yet is held in memory up
 * to `maxBufferBytes` (sonic-boom's `maxLength`): a reader that stalls costs lines, counted in
 * {@link Destination.dropped}, never unbounded memory.
 */
export function openDestination(options: DestinationOptions): Destination {
  const { target, logger } = options;
  const settings = {
    minLength: BATCH_BYTES,
    maxLength: options.maxBufferBytes,
    periodicFlush: FLUSH_EVERY_MS,
    sync: false,
  };
  const boom =
    target.kind === 'file'
      ? pino.destination({ dest: target.path, mkdir: true, ...settings })
      : pino.destination({ fd: 1, ...settings });
  let failed = false;
  boom.on('error', (error: unknown) => {
    if (failed) return;
    failed = true;
    logger.error({ component: 'access-log', err: error }, 'cannot write the access log');
  });
  let dropped = 0;
  boom.on('drop', () => {
    if (dropped++ > 0) return;
    logger.warn(
      { component: 'access-log', maxBufferBytes: options.maxBufferBytes },
      'the access log destination is not keeping up; lines are dropped',
    );
  });
  let reopening: Promise<void> | null = null;
  let closing: Promise<void> | null = null;
  return {
    write: (line) => {
      boom.write(line);
    },
    get dropped() {
      return dropped;
    },
    reopen: () => {
      if (target.kind !== 'file' || closing !== null || isDestroyed(boom)) {
        return Promise.resolve();
      }
      reopening ??= reopenFile(boom).finally(() => {
        reopening = null;
      });
      return reopening;
    },
    // sonic-boom skips a reopen that comes due once it is ending, and then never closes: a
    // reopen in progress finishes first.
    close: () => (closing ??= (reopening ?? Promise.resolve()).then(() => closeBoom(boom))),
  };
}

function reopenFile(boom: Boom): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      boom.off('ready', done);
      boom.off('error', done);
      resolve();
    };
    boom.once('ready', done);
    boom.once('error', done);
    // Flushing first sends the lines written before the rotation to the old file: sonic-boom
    // reopens only once the write in progress is done.
    boom.flush();
    boom.reopen();
  });
}

function isDestroyed(boom: Boom): boolean {
  return (boom as { destroyed?: boolean }).destroyed === true;
}

async function closeBoom(boom: Boom): Promise<void> {
  if (isDestroyed(boom)) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((resolve) => {
      boom.once('close', resolve);
      boom.once('error', resolve);
      boom.end();
    }),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
}
