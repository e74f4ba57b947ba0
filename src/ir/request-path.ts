/**
 * The form of a request path that routing compares: percent-encoded unreserved characters
 * decoded (`/%61dmin` is `/admin`), runs of `/` merged, and `.` and `..` segments resolved
 * (RFC 3986 section 5.2.4). Without this, `/public/../admin` would match a `/public` rule
 * while the backend, which resolves dot segments itself, serves `/admin`: a rule could be
 * bypassed. The request is still forwarded byte for byte; only the routing decision uses this
 * form, as nginx does. `%2F` stays encoded (it is not a separator), and so does every other
 * reserved or non-ASCII escape.
 */
export function normalizeRequestPath(path: string): string {
  // Most paths need nothing; the check is cheaper than the rewrite.
  if (!path.includes('%') && !path.includes('//') && !path.includes('/.')) return path;
  const decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return /^[A-Za-z0-9\-._~]$/.test(char) ? char : escape.toUpperCase();
  });
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
    output.push(segment);
  }
  return `/${output.join('/')}`;
}
