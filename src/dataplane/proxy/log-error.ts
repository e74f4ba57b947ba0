import type { Logger } from '../../observability/index.ts';
import { PROXY_ERRORS, type ProxyErrorCode } from '../errors.ts';

/** Facts logged with an error answer; all optional. */
export interface ErrorLogFields {
  readonly method?: string | undefined;
  readonly host?: string | undefined;
  readonly path?: string | undefined;
  readonly requestId?: string | undefined;
  readonly client?: string | undefined;
  readonly upstream?: string | undefined;
  readonly backend?: string | undefined;
  readonly error?: unknown;
}

/**
 * Logs one error with its stable code and status. Upstream and proxy failures are warnings
 * (an operator should look); client mistakes are info; a client hanging up is debug noise.
 */
export function logProxyError(logger: Logger, code: ProxyErrorCode, fields: ErrorLogFields): void {
  const status = PROXY_ERRORS[code].status;
  const { error, ...rest } = fields;
  const line = {
    code,
    status,
    ...rest,
    ...(error === undefined ? {} : { error: describe(error) }),
  };
  const message = PROXY_ERRORS[code].summary;
  if (code === 'PM_ERR_INTERNAL') logger.error(line, message);
  else if (code === 'PM_ERR_CLIENT_CLOSED') logger.debug(line, message);
  else if (status >= 500) logger.warn(line, message);
  else logger.info(line, message);
}

function describe(error: unknown): { message: string; code?: string } | string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? { message: error.message, code } : { message: error.message };
}
