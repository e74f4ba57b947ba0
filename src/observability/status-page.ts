import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The status page and the headers it is served with. */
export interface StatusPage {
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

let loaded: StatusPage | undefined;

/**
 * The status page (status-page.html beside this file: one static page, inline CSS and JS, no
 * build step), read once. Its Content-Security-Policy allows exactly its own inline style and
 * script, by hash, and requests to this server: nothing else loads or runs, even if some text
 * from an object were ever taken for markup.
 */
export function statusPage(): StatusPage {
  if (loaded !== undefined) return loaded;
  const html = readFileSync(new URL('./status-page.html', import.meta.url), 'utf8');
  const policy = [
    "default-src 'none'",
    `script-src ${hashes(html, 'script')}`,
    `style-src ${hashes(html, 'style')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  loaded = {
    html,
    headers: {
      'content-security-policy': policy,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    },
  };
  return loaded;
}

/** CSP source expressions for the inline elements of one tag, or `'none'` when it has none. */
function hashes(html: string, tag: 'script' | 'style'): string {
  const pattern = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  const found = [...html.matchAll(pattern)].map(
    ([, body]) =>
      `'sha256-${createHash('sha256')
        .update(body ?? '')
        .digest('base64')}'`,
  );
  return found.length === 0 ? "'none'" : found.join(' ');
}
