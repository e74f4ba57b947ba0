import type { TranslateOptions } from '../translate/index.ts';
import { parseHttpErrorCodes } from '../translate/annotations/index.ts';
import { UsageError } from './io.ts';

/** The flags of the global default backend and error pages (part of the input flags). */
export const ERROR_PAGE_FLAGS = {
  'default-backend-service': { type: 'string' },
  'custom-http-errors': { type: 'string' },
} as const;

/** Help text for {@link ERROR_PAGE_FLAGS}. */
export const ERROR_PAGE_FLAGS_HELP = `
      --default-backend-service NAMESPACE/NAME
                                  Service (its first port) that answers requests no rule
                                  matches instead of a 404, and serves the error pages of
                                  routes without a default-backend annotation (as
                                  ingress-nginx's flag)
      --custom-http-errors CODES  comma-separated statuses (400-599) served from that Service
                                  on routes without a custom-http-errors annotation (as
                                  ingress-nginx's ConfigMap key; default: none)`;

// A Kubernetes name: a namespace is an RFC 1123 label, a Service name an RFC 1035 label.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SERVICE = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The translate options of {@link ERROR_PAGE_FLAGS}, checked. */
export function errorPageOptionsFrom(values: {
  'default-backend-service'?: string | undefined;
  'custom-http-errors'?: string | undefined;
}): Pick<TranslateOptions, 'defaultBackendService' | 'customHttpErrors'> {
  const service = values['default-backend-service'];
  const codesText = values['custom-http-errors'];
  let defaultBackendService: TranslateOptions['defaultBackendService'];
  if (service !== undefined) {
    const [namespace = '', name = '', ...rest] = service.split('/');
    if (rest.length > 0 || !NAMESPACE.test(namespace) || !SERVICE.test(name)) {
      throw new UsageError(
        `--default-backend-service must be NAMESPACE/NAME of a Service, not ${JSON.stringify(service)}`,
      );
    }
    defaultBackendService = { namespace, name };
  }
  let customHttpErrors: readonly number[] | undefined;
  if (codesText !== undefined) {
    const codes = parseHttpErrorCodes(codesText);
    if (typeof codes === 'string') {
      throw new UsageError(`--custom-http-errors: ${codes}`);
    }
    if (codes.length > 0) customHttpErrors = codes;
  }
  return {
    ...(defaultBackendService === undefined ? {} : { defaultBackendService }),
    ...(customHttpErrors === undefined ? {} : { customHttpErrors }),
  };
}
