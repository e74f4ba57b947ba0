/**
 * The value of the cookie `name` in a request's Cookie header (Node joins several Cookie lines
 * with `; `, and so does its HTTP/2 side), or undefined when it is absent. The first cookie of
 * that name wins, as a browser sends the most specific path first; a value in double quotes is
 * taken without them. Never throws, whatever the header holds, and allocates only the value.
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined || name === '') return undefined;
  let at = 0;
  const length = header.length;
  while (at < length) {
    let end = header.indexOf(';', at);
    if (end === -1) end = length;
    const equals = header.indexOf('=', at);
    if (equals !== -1 && equals < end && nameIs(header, at, equals, name)) {
      return unquoted(header.slice(equals + 1, end).trim());
    }
    at = end + 1;
  }
  return undefined;
}

/** Whether header[from, to), spaces and tabs around it left out, is `name`. */
function nameIs(header: string, from: number, to: number, name: string): boolean {
  let start = from;
  let end = to;
  while (start < end && isBlank(header.charCodeAt(start))) start++;
  while (end > start && isBlank(header.charCodeAt(end - 1))) end--;
  return end - start === name.length && header.startsWith(name, start);
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function unquoted(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value;
}
