/**
 * The client address a trusted peer's PROXY header gave for each connection, keyed by the
 * accepted TCP socket (weakly: an entry goes with its socket). Kept here, beside the reader,
 * so that the HTTP/1.x, TLS and HTTP/2 paths all look it up in one place.
 */
const proxied = new WeakMap<object, string>();

/** Records the address the PROXY header of `socket`'s connection gave, once it is believed. */
export function rememberProxiedAddress(socket: object, address: string): void {
  proxied.set(socket, address);
}

/**
 * The address the PROXY header of the connection under `socket` gave (believed), if any.
 * `socket` may be the accepted TCP socket or the TLS socket made over it: Node keeps the TCP
 * socket of a server-side TLS socket as `_parent` (there is no public link between the two).
 */
export function proxiedAddressOf(socket: object | null | undefined): string | undefined {
  if (socket === null || socket === undefined) return undefined;
  const own = proxied.get(socket);
  if (own !== undefined) return own;
  const parent = (socket as { _parent?: unknown })._parent;
  return typeof parent === 'object' && parent !== null ? proxied.get(parent) : undefined;
}
