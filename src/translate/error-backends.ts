import type { DefaultRoute, ErrorPagesPolicy, Problem, RoutePolicies } from '../ir/index.ts';
import type { ServiceIndex } from './backends.ts';
import type { BackendSpec } from './ingress-spec.ts';

/** A Service by namespace and name. */
export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
}

/** The global settings of error pages, from flags (ingress-nginx's flag and ConfigMap key). */
export interface ErrorPageDefaults {
  /** `--default-backend-service`: answers what no rule matches, and serves the error pages. */
  readonly service?: ServiceRef | null;
  /** `--custom-http-errors`: the statuses served from it on every route without a list of its own. */
  readonly codes?: readonly number[];
}

/** Adds a backend to the table being built and returns its id (RouteBuilder's #backend). */
type AddBackend = (
  namespace: string,
  spec: BackendSpec,
  field: string,
  problems: Problem[],
) => string;

const DEFAULT_BACKEND_FIELD = 'metadata.annotations[nginx.ingress.kubernetes.io/default-backend]';
const CODES_FIELD = 'metadata.annotations[nginx.ingress.kubernetes.io/custom-http-errors]';

/**
 * Turns the error pages an Ingress's annotations ask for into policies of the table: the
 * `default-backend` Service becomes a backend of the table (its first port, as ingress-nginx
 * takes it, reached over plain HTTP), the global list and default backend fill in what the
 * Ingress does not say. A Service that cannot be used is reported, and the routes are served
 * without it (error pages are not access control).
 */
export class ErrorBackends {
  readonly #services: ServiceIndex;
  readonly #defaults: ErrorPageDefaults;
  readonly #add: AddBackend;
  #global: string | null | undefined;

  constructor(services: ServiceIndex, defaults: ErrorPageDefaults, add: AddBackend) {
    this.#services = services;
    this.#defaults = defaults;
    this.#add = add;
  }

  /** The route policies of an Ingress with its error pages resolved (or dropped). */
  resolve(
    namespace: string,
    policies: RoutePolicies | undefined,
    problems: Problem[],
  ): RoutePolicies | undefined {
    const read = policies?.errorPages;
    const resolved =
      read === undefined ? this.#globalPolicy() : this.#own(namespace, read, problems);
    if (resolved === undefined) {
      if (read === undefined) return policies;
      // The Service could not be used: the routes are served without error pages.
      return withoutErrorPages(policies ?? {});
    }
    return { ...policies, errorPages: resolved };
  }

  /** `{ errorPages }` for the default route, when the global list and backend are set. */
  globalPolicies(): { errorPages?: ErrorPagesPolicy } {
    const policy = this.#globalPolicy();
    return policy === undefined ? {} : { errorPages: policy };
  }

  /**
   * The default route that `--default-backend-service` gives when no Ingress provides one:
   * what no rule matches goes to that Service. Null without the flag or the Service.
   */
  globalDefaultRoute(): DefaultRoute | null {
    const service = this.#defaults.service;
    const backend = this.#globalBackend();
    if (service == null || backend === null) return null;
    return {
      backend,
      namespace: service.namespace,
      name: service.name,
      global: true,
      ...this.globalPolicies(),
    };
  }

  #globalPolicy(): ErrorPagesPolicy | undefined {
    const codes = this.#defaults.codes ?? [];
    const backend = codes.length === 0 ? null : this.#globalBackend();
    return backend === null ? undefined : { backend, codes };
  }

  #own(
    namespace: string,
    read: ErrorPagesPolicy,
    problems: Problem[],
  ): ErrorPagesPolicy | undefined {
    const own =
      read.service === undefined ? null : this.#serviceBackend(namespace, read.service, problems);
    const ownCodes = read.codes.length > 0;
    const codes = ownCodes ? read.codes : (this.#defaults.codes ?? []);
    const backend = own ?? (codes.length === 0 ? null : this.#globalBackend());
    if (backend === null) {
      if (ownCodes && read.service === undefined) {
        problems.push({
          code: 'IgnoredAnnotation',
          field: CODES_FIELD,
          message:
            'nginx.ingress.kubernetes.io/custom-http-errors is ignored: there is no error backend (no default-backend annotation, no --default-backend-service); the answers are relayed as they are',
        });
      }
      return undefined;
    }
    if (codes.length === 0 && own === null) return undefined;
    return {
      backend,
      codes,
      ...(own === null ? {} : { standIn: true as const }),
      ...(read.relayUpstream === true ? { relayUpstream: true as const } : {}),
    };
  }

  /** The backend of a Service's first port, or null (reported) when it cannot be used. */
  #serviceBackend(namespace: string, name: string, problems: Problem[]): string | null {
    const key = `${namespace}/${name}`;
    const service = this.#services.services.get(key);
    const without = 'the routes are served without it';
    const report = (code: Problem['code'], why: string): null => {
      const message = `default-backend Service ${key} ${why}; ${without}`;
      problems.push({ code, field: DEFAULT_BACKEND_FIELD, message });
      return null;
    };
    if (service === undefined) return report('ServiceNotFound', 'not found');
    if (service === null) return report('InvalidService', 'is malformed');
    if (service.type === 'ExternalName') {
      return report('UnsupportedServiceType', 'is of type ExternalName');
    }
    const first = service.ports[0];
    if (first === undefined) return report('ServicePortNotFound', 'has no port');
    return this.#add(
      namespace,
      { type: 'service', name, port: first.port },
      DEFAULT_BACKEND_FIELD,
      problems,
    );
  }

  #globalBackend(): string | null {
    if (this.#global !== undefined) return this.#global;
    const service = this.#defaults.service;
    if (service == null) {
      this.#global = null;
      return null;
    }
    // Not an Ingress's problem: a missing Service is the flag's, and ingress-nginx answers 404.
    this.#global = this.#serviceBackend(service.namespace, service.name, []);
    return this.#global;
  }
}

function withoutErrorPages(policies: RoutePolicies): RoutePolicies {
  const rest = { ...policies };
  delete rest.errorPages;
  return rest;
}
