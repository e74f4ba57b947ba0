/**
 * Batches a worker's access log lines for the control plane, which writes every worker's lines
 * to the one destination: whole lines, never interleaved, in one file or stream. A message per
 * line would cost more than formatting it, so lines go in batches: when `maxBytes` are held, or
 * `flushMs` after the first line of a batch.
 */
export class LineRelay {
  readonly #send: (text: string) => void;
  readonly #maxBytes: number;
  readonly #flushMs: number;
  #lines: string[] = [];
  #bytes = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(send: (text: string) => void, options: { maxBytes?: number; flushMs?: number } = {}) {
    this.#send = send;
    this.#maxBytes = options.maxBytes ?? 64 * 1024;
    this.#flushMs = options.flushMs ?? 50;
  }

  /** Holds one whole line (ending in a newline). */
  readonly write = (line: string): void => {
    this.#lines.push(line);
    this.#bytes += line.length;
    if (this.#bytes >= this.#maxBytes) this.flush();
    else {
      this.#timer ??= setTimeout(() => {
        this.flush();
      }, this.#flushMs).unref();
    }
  };

  /** Sends what is held now. */
  flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#lines.length === 0) return;
    const text = this.#lines.join('');
    this.#lines = [];
    this.#bytes = 0;
    this.#send(text);
  }
}
