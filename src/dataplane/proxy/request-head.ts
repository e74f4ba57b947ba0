/**
 * What the proxy needs from a request's headers, gathered in one pass over `rawHeaders` (the
 * original names and values, duplicates kept).
 */
export class RequestHead {
  /** First Host value and how many Host headers there were (more than one is refused). */
  host: string | undefined = undefined;
  hostCount = 0;
  contentLength: string | undefined = undefined;
  transferEncoding: string | undefined = undefined;
  /** All Connection values joined with commas. */
  connection: string | undefined = undefined;
  upgrade: string | undefined = undefined;
  /** All X-Forwarded-For values joined into one chain. */
  forwardedFor: string | undefined = undefined;
  forwardedHost: string | undefined = undefined;
  forwardedProto: string | undefined = undefined;
  forwardedPort: string | undefined = undefined;
  realIp: string | undefined = undefined;
  requestId: string | undefined = undefined;
  accept: string | undefined = undefined;

  constructor(raw: readonly string[]) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      this.#take((raw[i] as string).toLowerCase(), raw[i + 1] as string);
    }
  }

  /** True when the request carries a body (a non-zero length, or any transfer coding). */
  get hasBody(): boolean {
    return (
      this.transferEncoding !== undefined ||
      (this.contentLength !== undefined && this.contentLength.trim() !== '0')
    );
  }

  #take(name: string, value: string): void {
    switch (name) {
      case 'host':
        this.hostCount++;
        this.host ??= value;
        break;
      case 'content-length':
        this.contentLength ??= value;
        break;
      case 'transfer-encoding':
        this.transferEncoding = join(this.transferEncoding, value, ', ');
        break;
      case 'connection':
        this.connection = join(this.connection, value, ', ');
        break;
      case 'upgrade':
        this.upgrade ??= value;
        break;
      case 'x-forwarded-for':
        this.forwardedFor = join(this.forwardedFor, value, ', ');
        break;
      case 'x-forwarded-host':
        this.forwardedHost ??= value;
        break;
      case 'x-forwarded-proto':
        this.forwardedProto ??= value;
        break;
      case 'x-forwarded-port':
        this.forwardedPort ??= value;
        break;
      case 'x-real-ip':
        this.realIp ??= value;
        break;
      case 'x-request-id':
        this.requestId ??= value;
        break;
      case 'accept':
        this.accept = join(this.accept, value, ', ');
        break;
    }
  }
}

function join(previous: string | undefined, value: string, separator: string): string {
  return previous === undefined ? value : previous + separator + value;
}
