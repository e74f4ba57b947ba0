import type { ServerResponse } from 'node:http';

/** A request as the hooks and the request log see it. */
export interface RequestInfo {
  readonly method: string;
  /** The path without the query string, as sent. */
  readonly path: string;
  /** Query parameters (the last value wins when one repeats). */
  readonly query: Readonly<Record<string, string>>;
  /** The request's Content-Type header, or `''`. */
  readonly contentType: string;
}

/** Picks the requests a hook applies to. */
export type RequestMatcher = (request: RequestInfo) => boolean;

/** One logged request. `status` is 0 until the answer's head is written (or forever, if hung). */
export interface RequestRecord extends RequestInfo {
  readonly status: number;
}

interface Rule {
  remaining: number;
  readonly status: number;
  readonly match: RequestMatcher | undefined;
}

function take(rules: Rule[], request: RequestInfo): Rule | undefined {
  const rule = rules.find(
    (candidate) => candidate.remaining > 0 && (candidate.match?.(request) ?? true),
  );
  if (!rule) return undefined;
  rule.remaining--;
  if (rule.remaining === 0) rules.splice(rules.indexOf(rule), 1);
  return rule;
}

/** A log entry whose status follows the response until it closes (plain, spreadable data). */
function logEntry(info: RequestInfo, response: ServerResponse): RequestRecord {
  let live: ServerResponse | undefined = response;
  let finalStatus = 0;
  const current = (answer: ServerResponse): number => (answer.headersSent ? answer.statusCode : 0);
  response.once('close', () => {
    finalStatus = current(response);
    live = undefined;
  });
  return {
    ...info,
    get status() {
      return live ? current(live) : finalStatus;
    },
  };
}

/**
 * Test hooks: injected failures and hangs, and the bounded request log. Rules are consumed in
 * the order they were added; a request takes at most one failure or one hang.
 */
export class Hooks {
  private readonly failures: Rule[] = [];
  private readonly hangs: Rule[] = [];
  private readonly log: RequestRecord[] = [];
  private readonly logLimit: number;
  /** Requests held open by `hangNext`, answered never (destroyed on close or restart). */
  readonly hung = new Set<ServerResponse>();

  constructor(logLimit: number) {
    this.logLimit = Math.max(1, logLimit);
  }

  /** The log, oldest first. */
  get requests(): readonly RequestRecord[] {
    return this.log;
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  addFailure(count: number, status: number, match: RequestMatcher | undefined): void {
    if (count > 0) this.failures.push({ remaining: count, status, match });
  }

  addHang(count: number, match: RequestMatcher | undefined): void {
    if (count > 0) this.hangs.push({ remaining: count, status: 0, match });
  }

  /** Logs a request; returns what to do with it. */
  admit(
    info: RequestInfo,
    response: ServerResponse,
  ): { hang: boolean; failWith: number | undefined } {
    this.log.push(logEntry(info, response));
    if (this.log.length > this.logLimit) this.log.splice(0, this.log.length - this.logLimit);
    if (take(this.hangs, info)) {
      this.hung.add(response);
      response.once('close', () => this.hung.delete(response));
      return { hang: true, failWith: undefined };
    }
    return { hang: false, failWith: take(this.failures, info)?.status };
  }

  /** Cuts every hung request. */
  releaseHung(): void {
    for (const response of this.hung) response.destroy();
    this.hung.clear();
  }
}
