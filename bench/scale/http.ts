import { request, type Agent } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

/** An answer: status (0 when the request failed) and body (bounded to 4 KiB). */
export interface Answer {
  readonly status: number;
  readonly body: string;
}

const MAX_BODY = 4096;

/**
 * One GET to 127.0.0.1:`port` with Host `host`, on a new connection unless `agent` is given,
 * bounded by `timeoutMs`.
 */
export function getAnswer(
  port: number,
  host: string,
  path: string,
  options: { readonly agent?: Agent; readonly timeoutMs?: number } = {},
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { host },
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_BODY) body += chunk;
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: body.trim() });
        });
        res.on('error', () => {
          resolve({ status: 0, body: '' });
        });
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      resolve({ status: 0, body: '' });
    });
    req.end();
  });
}

/**
 * Polls until `probe` is true: at most `maxPolls` times and `timeoutMs`, `intervalMs` apart.
 * Milliseconds from `since` (a performance.now() value) to the first true answer, or undefined.
 */
export async function pollSince(
  since: number,
  probe: () => Promise<boolean>,
  limits: { readonly timeoutMs: number; readonly maxPolls: number; readonly intervalMs: number },
): Promise<number | undefined> {
  const deadline = since + limits.timeoutMs;
  for (let poll = 0; poll < limits.maxPolls && performance.now() < deadline; poll++) {
    if (await probe()) return performance.now() - since;
    await delay(limits.intervalMs);
  }
  return undefined;
}
