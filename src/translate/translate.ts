import type {
  AccessMaterials,
  Certificates,
  ObjectResult,
  Problem,
  RouteTable,
  UpstreamTlsMaterials,
} from '../ir/index.ts';
import type { Snapshot, StoredObject } from '../objects/index.ts';
import { compareAge } from './age.ts';
import {
  AccessMaterialsCollector,
  annotationPrefixes,
  ignoredOnCanary,
  readCanary,
  type CanaryRead,
  readerContextOf,
  readClientCertificatePolicy,
  readIngressAnnotations,
  serverPoliciesOf,
  withCustomHeaders,
  asksForClientCertificates,
  hasAccessPolicies,
  type IngressAnnotations,
} from './annotations/index.ts';
import type { ServiceIndex } from './backends.ts';
import { ownershipOf, type ClassIndex } from './ingress-class.ts';
import type { IngressSpec } from './ingress-spec.ts';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from './options.ts';
import { addHostNames } from './host-aliases.ts';
import {
  hostNamesRequests,
  hostRefusalProblems,
  regexHostsOf,
  serverSnippetRefusals,
} from './host-policies.ts';
import { reportUsage, resultOf, sortResults } from './object-results.ts';
import { RouteBuilder } from './route-builder.ts';
import { readEndpointSlice, readService, type ServiceView, type SliceView } from './services.ts';
import { PassthroughCollector, sslPassthroughOf, type RootRouteOf } from './ssl-passthrough.ts';
import {
  bindClientCertificates,
  bindTls,
  ProxySslSecrets,
  type ProxySslResolved,
} from './tls/index.ts';
import { validateIngress, validateIngressClass } from './validate/index.ts';

/** The output of one translation: the route table and one result per object. */
export interface Translation {
  readonly table: RouteTable;
  /** Sorted by kind, namespace and name. */
  readonly results: readonly ObjectResult[];
  /**
   * The certificate chain and key of every {@link RouteTable.tls} Secret in use (and of the
   * default certificate), by version. Not part of the IR, and never serialised.
   */
  readonly certificates: Certificates;
  /**
   * The `ca.crt` and client certificate of every `proxy-ssl-secret` in use, by the version its
   * backends' `tls.secret.version` names. Not part of the IR, and never serialised.
   */
  readonly upstreamTls: UpstreamTlsMaterials;
  /**
   * The credentials of `auth-secret`s and the CA bundles of `auth-tls-secret`s in use, by the
   * version their policies name. Not part of the IR, and never serialised.
   */
  readonly access: AccessMaterials;
}

/**
 * Translates a snapshot of objects into a route table. Pure: no I/O, no clock, no randomness;
 * the same snapshot and options always give the same table and results. An invalid object is
 * reported in its result and contributes nothing; it never costs another object its routes.
 */
export function translate(
  snapshot: Snapshot,
  options: TranslateOptions = DEFAULT_TRANSLATE_OPTIONS,
): Translation {
  const results: ObjectResult[] = [];
  const classes = indexClasses(snapshot.ingressClasses, options, results);
  const services = indexServices(snapshot, results);
  const accepted: { object: StoredObject; spec: IngressSpec }[] = [];

  for (const ingress of [...snapshot.ingresses].sort(compareAge)) {
    const ownership = ownershipOf(ingress, classes, options);
    if (!ownership.ours) {
      results.push(resultOf(ingress, 'Ignored', [ownership.problem]));
      continue;
    }
    const validation = validateIngress(ingress.object);
    if (!validation.ok) {
      results.push(resultOf(ingress, 'Rejected', validation.problems));
      continue;
    }
    accepted.push({ object: ingress, spec: validation.spec });
  }

  // Certificates first: whether a route redirects to HTTPS depends on its host having one,
  // whichever Ingress binds it.
  const tls = bindTls({
    ingresses: accepted,
    secrets: snapshot.secrets,
    now: options.now,
    defaultCertificate: options.defaultCertificate,
  });
  const builder = new RouteBuilder(services.index, {
    service: options.defaultBackendService ?? null,
    codes: options.customHttpErrors ?? [],
  });
  const prefixes = annotationPrefixes(options);
  const configMaps = new Map(
    snapshot.configMaps.map((map) => [`${map.namespace}/${map.name}`, map]),
  );
  const allowed = new Set(options.allowedResponseHeaders?.map((name) => name.toLowerCase()));
  const usedConfigMaps = new Set<string>();
  const accessMaterials = new AccessMaterialsCollector();
  const contextIn = readerContextOf(
    {
      secrets: byKey(snapshot.secrets),
      services: byKey(snapshot.services),
      configMaps,
      usedConfigMaps,
    },
    options,
    accessMaterials,
  );
  const read = accepted.map((ingress) => ({
    ...ingress,
    annotations: withCustomHeaders(
      readIngressAnnotations(
        ingress.spec.annotations,
        prefixes,
        contextIn(ingress.object.namespace),
      ),
      {
        namespace: ingress.object.namespace,
        configMaps,
        allowed,
        used: usedConfigMaps,
      },
    ),
  }));
  // A canary serves no route of its own: its annotations shape no host (canary-attach.ts).
  const mains = read.filter(({ annotations }) => !annotations.audit.canary);
  const regexHosts = regexHostsOf(mains);
  const passthrough = new PassthroughCollector();
  const proxySecrets = new ProxySslSecrets(snapshot.secrets);
  const built: { object: StoredObject; problems: Problem[] }[] = [];
  // One server-snippet per host, the oldest Ingress's; a canary has none.
  const servers = serverPoliciesOf(
    read.map(({ object, spec, annotations }) => ({
      name: `${object.namespace}/${object.name}`,
      hosts: spec.rules.map((rule) => rule.host ?? ''),
      server: annotations.audit.canary ? null : annotations.server,
    })),
  );
  const hostRefusals = serverSnippetRefusals(mains);
  // Client certificates are the TLS host's, set by the oldest Ingress of each host that asks.
  const clientCertificates = bindClientCertificates(
    tls.hosts,
    mains.map(({ object, spec, annotations }) => ({
      object,
      spec,
      policy: readClientCertificatePolicy(annotations.audit.canonical, contextIn(object.namespace))
        .policy,
    })),
  );
  // Hosts whose handshake asks for client certificates: never passed through.
  const guardedHosts = new Set(
    clientCertificates.hosts
      .filter((entry) => entry.clientCertificates !== undefined)
      .map((entry) => entry.host),
  );
  const canaries: { object: StoredObject; spec: IngressSpec; canary: CanaryRead }[] = [];
  for (const [index, { object, spec, annotations }] of read.entries()) {
    const { audit, redirect, regexPaths } = annotations;
    const failClosed = clientCertificates.refused.has(`${object.namespace}/${object.name}`)
      ? [...annotations.failClosed, 'nginx.ingress.kubernetes.io/auth-tls-secret']
      : annotations.failClosed;
    if (audit.canary) {
      // Attached below, once every main route exists, as ingress-nginx merges canaries last.
      const canary = readCanary(audit.canonical);
      canaries.push({ object, spec, canary });
      const problems = [
        ...audit.problems.filter((problem) => problem.code === 'UnknownAnnotation'),
        ...canary.problems,
        ...ignoredOnCanary(audit.canonical),
        ...tls.problemsOf(object),
      ];
      built.push({ object, problems });
      continue;
    }
    const proxySsl = proxySslOf(annotations, object.namespace, proxySecrets);
    const problems = builder.add(object, spec, {
      sslRedirect: (host) => redirect.force || (redirect.sslRedirect && tls.hasCertificate(host)),
      protocol: annotations.backendProtocol,
      serviceUpstream: annotations.serviceUpstream,
      ...(proxySsl.reach === undefined ? {} : { proxySsl: proxySsl.reach }),
      route: annotations.route,
      serverPolicies: servers.byHost,
      hostRefusals,
      regexHosts,
      regexPaths,
      ...(failClosed.length === 0
        ? {}
        : { refusal: { code: 'AccessControlNotEnforced', annotations: failClosed } }),
    });
    const sslPassthrough = sslPassthroughOf(audit.canonical, options.sslPassthrough === true);
    if (sslPassthrough.asked) {
      const rootOf = (host: string): ReturnType<RootRouteOf> => builder.rootRoute(host);
      // Access rules of the routes (enforced or failing closed) would be bypassed by a tunnel,
      // and so would client certificates: the Ingress's own auth-tls-*, or another Ingress's
      // bound to one of its hosts.
      const guarded =
        failClosed.length > 0 ||
        hasAccessPolicies(annotations.route) ||
        asksForClientCertificates(audit.canonical) ||
        spec.rules.some((rule) => rule.host !== null && guardedHosts.has(rule.host.toLowerCase()));
      problems.push(...passthrough.add(object, spec, rootOf, guarded));
    }
    problems.push(...tls.problemsOf(object), ...annotations.problems, ...sslPassthrough.problems);
    problems.push(...proxySsl.problems);
    problems.push(...(clientCertificates.problems.get(`${object.namespace}/${object.name}`) ?? []));
    problems.push(...(servers.problems.get(index) ?? []));
    if (failClosed.length === 0) {
      problems.push(...hostRefusalProblems(spec, hostRefusals));
    }
    built.push({ object, problems });
  }
  for (const { object, spec, canary } of canaries) {
    const problems = built.find((entry) => entry.object === object)?.problems;
    problems?.push(...builder.attachCanary(object, spec, canary));
  }
  const named = addHostNames(
    builder.build(clientCertificates.hosts, tls.defaultCertificate, passthrough.hosts()),
    hostNamesRequests(mains),
  );
  for (const { object, problems } of built) {
    const more = named.problems.get(`${object.namespace}/${object.name}`) ?? [];
    results.push(resultOf(object, 'Accepted', [...problems, ...more]));
  }

  reportUsage(
    snapshot,
    accepted,
    services.serviceOf,
    tls,
    [proxySecrets.outcomes(), accessMaterials.outcomes()],
    results,
    named.table.backends,
  );
  for (const [key, object] of configMaps) {
    const used = usedConfigMaps.has(key);
    const unused: Problem = {
      code: 'Unreferenced',
      message: 'no accepted Ingress of ours uses it',
    };
    results.push(resultOf(object, used ? 'Accepted' : 'Ignored', used ? [] : [unused]));
  }
  return {
    table: named.table,
    results: sortResults(results),
    certificates: tls.certificates,
    upstreamTls: proxySecrets.materials,
    access: accessMaterials.materials(),
  };
}

function byKey(objects: readonly StoredObject[]): Map<string, StoredObject> {
  return new Map(objects.map((object) => [`${object.namespace}/${object.name}`, object]));
}

/**
 * An Ingress's proxy-ssl settings for its backends, resolved against its Secret: only backends
 * reached over TLS have any (ingress-nginx's proxy_ssl_* directives act on HTTPS upstreams only).
 */
function proxySslOf(
  annotations: IngressAnnotations,
  namespace: string,
  secrets: ProxySslSecrets,
): { reach?: ProxySslResolved; problems: Problem[] } {
  const request = annotations.proxySsl;
  if (request === null) return { problems: [] };
  const protocol = annotations.backendProtocol;
  const field = 'metadata.annotations[nginx.ingress.kubernetes.io/proxy-ssl-secret]';
  if (protocol !== 'HTTPS' && protocol !== 'GRPCS') {
    const message = `proxy-ssl-* has no effect: backend-protocol is ${protocol}, without TLS; the annotations are ignored`;
    return { problems: [{ code: 'IgnoredAnnotation', field, message }] };
  }
  // An unusable Secret is reported with the backends it leaves answering 503.
  return { reach: secrets.resolve(request, namespace), problems: [] };
}

/**
 * The test the translator applies to decide whether an Ingress is ours, given the current
 * IngressClasses: sources use it to keep what only other controllers' Ingresses need (their TLS
 * Secrets) away from the translator.
 */
export function ingressOwnership(
  options: TranslateOptions,
): (classes: readonly StoredObject[]) => (ingress: StoredObject) => boolean {
  return (classes) => {
    const index = indexClasses(classes, options, []);
    return (ingress) => ownershipOf(ingress, index, options).ours;
  };
}

function indexClasses(
  objects: readonly StoredObject[],
  options: TranslateOptions,
  results: ObjectResult[],
): ClassIndex {
  const ours = new Set<string>();
  const known = new Set<string>();
  let oursIsDefault = false;
  for (const object of objects) {
    known.add(object.name);
    const validation = validateIngressClass(object.object);
    if (!validation.ok) {
      results.push(resultOf(object, 'Rejected', validation.problems));
    } else if (validation.controller !== options.controllerName) {
      const message = `controller "${validation.controller}" is not ours ("${options.controllerName}")`;
      results.push(resultOf(object, 'Ignored', [{ code: 'NotOurController', message }]));
    } else {
      ours.add(object.name);
      oursIsDefault ||= validation.isDefault;
      results.push(resultOf(object, 'Accepted', []));
    }
  }
  return { ours, known, oursIsDefault };
}

/** The backend index, and for every readable Service and EndpointSlice the Service it is part of. */
interface IndexedServices {
  readonly index: ServiceIndex;
  readonly serviceOf: ReadonlyMap<StoredObject, string>;
}

function indexServices(snapshot: Snapshot, results: ObjectResult[]): IndexedServices {
  const services = new Map<string, ServiceView | null>();
  const serviceOf = new Map<StoredObject, string>();
  for (const object of snapshot.services) {
    const key = `${object.namespace}/${object.name}`;
    const view = readService(object);
    services.set(key, view);
    if (view) {
      serviceOf.set(object, key);
    } else {
      const message = 'spec.ports must be a list of ports with integer port numbers';
      results.push(resultOf(object, 'Rejected', [{ code: 'InvalidService', message }]));
    }
  }
  const slices = new Map<string, SliceView[]>();
  for (const object of snapshot.endpointSlices) {
    const view = readEndpointSlice(object);
    if ('problem' in view) {
      const problem = { code: 'InvalidEndpointSlice', ...view.problem } as const;
      results.push(resultOf(object, 'Rejected', [problem]));
      continue;
    }
    const key = `${object.namespace}/${view.service}`;
    serviceOf.set(object, key);
    const list = slices.get(key);
    if (list) list.push(view);
    else slices.set(key, [view]);
  }
  return { index: { services, slices }, serviceOf };
}
