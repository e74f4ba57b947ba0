/**
 * nginx's size syntax, as ingress-nginx validates it (`^\d+[bkmg]?$`, any case): a number of
 * bytes, or of KiB (`k`), MiB (`m`) or GiB (`g`). `b` is taken as bytes.
 */
const SIZE = /^(\d{1,20})([bkmg]?)$/i;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

/** The size in bytes, or why the value is not a size. */
export function parseNginxSize(value: string): number | { readonly problem: string } {
  const match = SIZE.exec(value);
  if (match === null) {
    return { problem: 'the value is not a size: a number of bytes, or with k, m or g (8m, 512k)' };
  }
  const unit = UNITS[(match[2] ?? '').toLowerCase()] ?? 1;
  const bytes = Number(match[1]) * unit;
  // Beyond 2^53 bytes a limit is no limit, and the number would no longer be exact.
  if (!Number.isSafeInteger(bytes)) return { problem: 'the size is too large' };
  return bytes;
}
