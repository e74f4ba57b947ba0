/** A request path in the one form that is both matched and forwarded. */
export interface RequestPath {
  /**
   * The path routing compares and the upstream receives: percent-encoded unreserved characters
   * decoded (`/%61dmin` is `/admin`), other escapes in upper case, bytes outside printable ASCII
   * percent-encoded, runs of `/` merged, and `.` and `..` segments resolved (RFC 3986 section
   * 5.2.4).
   */
  readonly path: string;
  /** The query with its `?`, as the client sent it ('' when there is none). */
  readonly query: string;
}

/** Why a path is refused (with 400): each is a way to make a backend see another path. */
export type PathRefusal =
  | 'fragment'
  | 'backslash'
  | 'encoded-slash'
  | 'bad-escape'
  | 'nul'
  | 'not-utf8'
  | 'control'
  | 'dot-segment-parameter';

/** The words `explain` and logs use for each refusal. */
export const PATH_REFUSALS: Readonly<Record<PathRefusal, string>> = {
  fragment: 'the target has a fragment (#); clients never send one, and backends drop it',
  backslash: 'the path has a backslash, which some backends read as /',
  'encoded-slash': 'the path has an encoded slash (%2F or %5C), which some backends decode to /',
  'bad-escape': 'the path has a % that does not start a two-digit hex escape',
  nul: 'the path has an encoded NUL (%00)',
  'not-utf8': 'the percent escapes of the path are not UTF-8 (overlong or truncated)',
  control: 'the target has a control character or a character above U+00FF',
  'dot-segment-parameter':
    'the path has a dot segment with a parameter (..;x), which some backends read as ..',
};

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const HEX = /^[0-9A-Fa-f]{2}$/;
// Printable ASCII but %, \ and # (and space, which a request line cannot hold anyway).
const PLAIN = /^[\x21-\x7e]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The one parser of request paths: both the proxy (HTTP/1.1 target, HTTP/2 `:path`, upgrades)
 * and `explain` call it, so the path that is routed is the path that is forwarded. Takes the
 * origin form (`/a/b?q`) and returns the normalised path and the query, or why it is refused.
 *
 * Refused, as Envoy refuses fragments and Apache httpd refuses encoded slashes: anything a
 * backend could resolve to another path than the one matched. A fragment (backends drop it, so
 * `/admin#/../public` would be matched as `/public` and served as `/admin`); `\`, `%2F` and
 * `%5C` (backends that read `\` as `/` or decode the escapes would see separators the match
 * did not); a `..;` segment (servlet containers strip `;` parameters and then see `..`); a `%`
 * without two hex digits, `%00`, escapes that are not UTF-8 (overlong `%C0%AE` is `.` to a
 * lax decoder); and control characters.
 */
export function parseRequestPath(target: string): RequestPath | PathRefusal {
  if (target.includes('#')) return 'fragment';
  const queryStart = target.indexOf('?');
  const raw = queryStart < 0 ? target : target.slice(0, queryStart);
  const query = queryStart < 0 ? '' : target.slice(queryStart);
  if (raw.includes('\\')) return 'backslash';
  // Most paths need nothing; the check is cheaper than the rewrite.
  if (PLAIN.test(raw) && !raw.includes('%') && !raw.includes('//') && !raw.includes('/.')) {
    return { path: raw, query };
  }
  const decoded = decodeUnreserved(raw);
  if (typeof decoded !== 'string') return decoded.refused;
  return resolveSegments(decoded, query);
}

/**
 * Decodes escapes of unreserved characters, upper-cases the others, encodes bytes above
 * printable ASCII, and checks what the escapes stand for.
 */
function decodeUnreserved(raw: string): string | { refused: PathRefusal } {
  let out = '';
  const bytes: number[] = [];
  for (let index = 0; index < raw.length; index++) {
    const char = raw[index] as string;
    const code = char.charCodeAt(0);
    if (char === '%') {
      const hex = raw.slice(index + 1, index + 3);
      if (!HEX.test(hex)) return { refused: 'bad-escape' };
      index += 2;
      const byte = parseInt(hex, 16);
      if (byte === 0x2f || byte === 0x5c) return { refused: 'encoded-slash' };
      if (byte === 0) return { refused: 'nul' };
      bytes.push(byte);
      const decoded = String.fromCharCode(byte);
      out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
    } else if (code < 0x21 || code === 0x7f || code > 0xff) {
      return { refused: 'control' };
    } else if (code > 0x7f) {
      // Node gives the request line's bytes as latin1 characters.
      bytes.push(code);
      out += `%${code.toString(16).toUpperCase()}`;
    } else {
      bytes.push(code);
      out += char;
    }
  }
  try {
    utf8.decode(Uint8Array.from(bytes));
  } catch {
    return { refused: 'not-utf8' };
  }
  return out;
}

function resolveSegments(decoded: string, query: string): RequestPath | PathRefusal {
  const output: string[] = [];
  const segments = decoded.replace(/\/{2,}/g, '/').split('/');
  // segments[0] is the empty string before the leading '/'.
  for (let index = 1; index < segments.length; index++) {
    const segment = segments[index] ?? '';
    const last = index === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') output.pop();
      if (last) output.push('');
      continue;
    }
    if (segment.startsWith('.;') || segment.startsWith('..;')) return 'dot-segment-parameter';
    output.push(segment);
  }
  return { path: `/${output.join('/')}`, query };
}
