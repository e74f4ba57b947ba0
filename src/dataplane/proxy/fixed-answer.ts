import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from '../node-http.ts';
import type { FixedAnswer } from '../../ir/index.ts';
import { expandTemplate, type RequestFacts } from '../variables/index.ts';
import type { ResponseEdit } from './response-policy.ts';

// Answers that carry no body (RFC 9110 sections 15.3.5 and 15.4.5).
const NO_BODY = new Set([204, 205, 304]);

/** The head and body of a fixed answer, its header policies applied. */
function fixedAnswerParts(
  answer: FixedAnswer,
  facts: RequestFacts,
  edit: ResponseEdit | undefined,
): { headers: (string | string[])[]; body: Buffer } {
  const empty = NO_BODY.has(answer.code);
  const body = Buffer.from(empty ? '' : expandTemplate(answer.body, facts), 'utf8');
  let headers: (string | string[])[] = ['content-type', answer.contentType, 'server', 'pointsman'];
  if (edit !== undefined) headers = edit(answer.code, headers);
  if (!empty) headers.push('content-length', String(body.length));
  return { headers, body };
}

/**
 * Answers a request on a route with a fixed answer (a snippet's `return 200 "ok"`): its code,
 * its Content-Type (default_type) and body, and the route's response header operations. The
 * route's backend is never contacted.
 */
export function answerFixed(
  res: ServerResponse,
  answer: FixedAnswer,
  options: {
    readonly facts: RequestFacts;
    readonly edit: ResponseEdit | undefined;
    readonly head: boolean;
    readonly close: boolean;
  },
): void {
  const { headers, body } = fixedAnswerParts(answer, options.facts, options.edit);
  if (options.close) headers.push('connection', 'close');
  res.writeHead(answer.code, headers);
  res.end(options.head ? undefined : body);
}

/** The same answer as raw HTTP/1.1 for an Upgrade request, whose connection is then closed. */
export function rawFixedAnswer(
  answer: FixedAnswer,
  facts: RequestFacts,
  edit: ResponseEdit | undefined,
): Buffer {
  const { headers, body } = fixedAnswerParts(answer, facts, edit);
  let head = `HTTP/1.1 ${String(answer.code)} ${STATUS_CODES[answer.code] ?? 'OK'}\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const value = headers[i + 1] as string | string[];
    for (const line of typeof value === 'string' ? [value] : value) {
      head += `${headers[i] as string}: ${line}\r\n`;
    }
  }
  head += 'connection: close\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
