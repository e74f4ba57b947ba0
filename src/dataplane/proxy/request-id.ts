import { randomUUID } from 'node:crypto';

// Short and made of characters safe in headers, logs and HTML: anything else is replaced.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** The client's X-Request-ID when it looks sane, else a fresh UUID. */
export function requestIdFor(sent: string | undefined): string {
  return sent !== undefined && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
}
