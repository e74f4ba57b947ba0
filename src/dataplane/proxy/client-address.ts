/**
 * The client's address as headers should show it: an IPv4 client of a dual-stack listener is
 * reported as `1.2.3.4`, not `::ffff:1.2.3.4`. Empty when the socket is already gone.
 */
export function clientAddress(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return '';
  if (remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.')) {
    return remoteAddress.slice(7);
  }
  return remoteAddress;
}
