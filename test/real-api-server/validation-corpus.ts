/**
 * Hand-written Ingresses and IngressClasses at the edges of the API server's validation rules,
 * for the differential test that holds pointsman's own validator (used in YAML mode) to the
 * real kube-apiserver. Valid and invalid cases alike: each one is a question, and the API server
 * is the answer; nothing here says which way a case should go.
 */

/** A JSON object as sent to the API server. */
export type Json = Record<string, unknown>;

/** One object to send to both validators. */
export interface ValidationCase {
  /** Unique and stable, such as `rule-host/uppercase`. */
  readonly id: string;
  readonly kind: 'Ingress' | 'IngressClass';
  readonly object: Json;
}

/** A Service backend on `port` (a port object as in the API: `{ number }` or `{ name }`). */
export function serviceBackend(name: unknown, port: unknown = { number: 80 }): Json {
  return { service: port === undefined ? { name } : { name, port } };
}

/** One path entry; `pathType` undefined leaves the key out. */
export function pathEntry(
  path: unknown,
  pathType: unknown,
  backend: unknown = serviceBackend('web'),
): Json {
  const entry: Json = { path, backend };
  if (pathType !== undefined) entry['pathType'] = pathType;
  return entry;
}

/** A rule for `host` (undefined: no host key) with one path. */
export function rule(host: unknown, path: Json = pathEntry('/', 'Prefix')): Json {
  const value: Json = { http: { paths: [path] } };
  if (host !== undefined) value['host'] = host;
  return value;
}

/** An Ingress in the request's namespace (metadata.namespace left out, as kubectl would fill it). */
export function ingress(spec: unknown, metadata: Json = {}): Json {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', ...metadata },
    spec,
  };
}

/** An IngressClass. */
export function ingressClass(spec: unknown, metadata: Json = {}): Json {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'pointsman', ...metadata },
    spec,
  };
}

/** A host of exactly `length` characters: 63-character labels joined by dots. */
export function longHost(length: number, prefix = ''): string {
  const labels: string[] = [];
  let remaining = length - prefix.length;
  while (remaining > 0) {
    const size = Math.min(63, remaining);
    labels.push('a'.repeat(size));
    remaining -= size + 1;
  }
  // A dot would otherwise end the name when `length` falls just after a label.
  const host = prefix + labels.join('.');
  return host.endsWith('.') ? `${host.slice(0, -1)}b` : host;
}

/** Hosts for rules and TLS entries: case, dots, IP addresses, wildcards, lengths, characters. */
export const HOSTS: Readonly<Record<string, string>> = {
  plain: 'foo.example.com',
  single: 'localhost',
  digit: '1',
  uppercase: 'Foo.Example.com',
  'all-uppercase': 'FOO.COM',
  'trailing-dot': 'foo.com.',
  'leading-dot': '.foo.com',
  'double-dot': 'a..com',
  ipv4: '192.168.0.1',
  'ipv4-zeros': '010.001.1.1',
  'ipv4-three-parts': '1.2.3',
  'ipv4-300': '300.1.1.1',
  ipv6: '2001:db8::1',
  'ipv6-loopback': '::1',
  'ipv6-upper': 'FE80::1',
  'ipv6-brackets': '[::1]',
  'ipv4-mapped': '::ffff:1.2.3.4',
  'with-port': 'foo.com:80',
  wildcard: '*.a.com',
  'wildcard-tld': '*.com',
  'star-glued': '*a.com',
  'star-middle': 'a.*.com',
  'star-alone': '*',
  'star-dot': '*.',
  'star-double': '**.a.com',
  'star-two-labels': '*.*.a.com',
  'star-last': 'a.com.*',
  'length-253': longHost(253),
  'length-254': longHost(254),
  'wildcard-253': longHost(253, '*.'),
  'wildcard-254': longHost(254, '*.'),
  'label-63': `${'a'.repeat(63)}.com`,
  'label-64': `${'a'.repeat(64)}.com`,
  punycode: 'xn--bcher-kva.example',
  unicode: 'bücher.example',
  'underscore-first': '_acme.example.com',
  underscore: 'a_b.com',
  'hyphen-end': 'a-.com',
  'hyphen-start': '-a.com',
  hyphens: 'a--b.com',
  space: 'a b.com',
  slash: 'a/b.com',
  percent: 'a%2e.com',
};

/** Paths tried under each pathType. */
export const PATHS: readonly string[] = [
  '/',
  '',
  'foo',
  '/foo',
  '/foo/',
  '//',
  '/a//b',
  '/./',
  '/a/./b',
  '/../',
  '/a/../b',
  '/a/%2fb',
  '/a/%2Fb',
  '/a/%2e%2e/b',
  '/..',
  '/a/..',
  '/a/.',
  '/.',
  '/a/...',
  '/a..b',
  '/~user',
  '~',
  '/a b',
  ' /a',
  '/(.*)',
  '/api/v[0-9]+',
  '/a?b=c',
  '/a#frag',
  '/ä',
  '/a\\b',
  '*',
  '/*',
  '.',
];

/** Service backend names: DNS-1035 against DNS-1123 labels, and the plainly invalid. */
export const SERVICE_NAMES: readonly string[] = [
  'web',
  'web-1',
  '1abc',
  '123',
  '0',
  'web.prod',
  'Web',
  'web-',
  '-web',
  'web_1',
  'xn--web',
  'a'.repeat(63),
  'a'.repeat(64),
  '',
];

/** Service backend ports: name against number, bounds and IANA names. */
export const PORTS: Readonly<Record<string, unknown>> = {
  number: { number: 80 },
  name: { name: 'http' },
  both: { name: 'http', number: 80 },
  neither: {},
  zero: { number: 0 },
  'zero-and-empty-name': { name: '', number: 0 },
  'empty-name-and-number': { name: '', number: 8080 },
  'name-and-zero': { name: 'http', number: 0 },
  max: { number: 65535 },
  'over-max': { number: 65536 },
  negative: { number: -1 },
  'int32-max': { number: 2147483647 },
  'empty-name': { name: '' },
  'upper-name': { name: 'HTTP' },
  'digits-name': { name: '8080' },
  'digit-first-name': { name: '8a' },
  'double-hyphen-name': { name: 'a--b' },
  'hyphen-start-name': { name: '-http' },
  'name-15': { name: 'x'.repeat(15) },
  'name-16': { name: 'x'.repeat(16) },
  'underscore-name': { name: 'h_2' },
  'dot-name': { name: 'h.2' },
  missing: undefined,
};

/** Resource backends (apiGroup, kind, name). */
export const RESOURCES: Readonly<Record<string, Json>> = {
  plain: { kind: 'Bucket', name: 'assets' },
  group: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'assets' },
  'empty-group': { apiGroup: '', kind: 'Bucket', name: 'assets' },
  'bad-group': { apiGroup: 'Bad_Group', kind: 'Bucket', name: 'assets' },
  'group-with-slash': { apiGroup: 'example.com/v1', kind: 'Bucket', name: 'assets' },
  'no-kind': { name: 'assets' },
  'no-name': { kind: 'Bucket' },
  'empty-kind': { kind: '', name: 'assets' },
  'dot-kind': { kind: '.', name: 'assets' },
  'dotdot-name': { kind: 'Bucket', name: '..' },
  'three-dots': { kind: 'Bucket', name: '...' },
  'slash-name': { kind: 'Bucket', name: 'a/b' },
  'percent-name': { kind: 'Bucket', name: 'a%20b' },
  'space-kind': { kind: 'Storage Bucket', name: 'assets' },
  'upper-underscore-name': { kind: 'Bucket', name: 'My_Bucket' },
};

/** Object names (metadata.name, spec.ingressClassName, TLS secretName). */
export const NAMES: readonly string[] = [
  'a',
  'shop.example.com',
  'A',
  'Shop',
  'a_b',
  '-a',
  'a-',
  'a..b',
  '.a',
  '1',
  'a'.repeat(253),
  'a'.repeat(254),
  'a b',
  '',
];

/** Annotation (and label) keys. */
export const KEYS: readonly string[] = [
  'app',
  'App.Name_1',
  'example.com/name',
  'Example.com/Name',
  'kubernetes.io/ingress.class',
  'a b',
  '/a',
  'a/',
  'a/b/c',
  '-a',
  'a'.repeat(63),
  'a'.repeat(64),
  `${'a'.repeat(253)}/b`,
  `${'a'.repeat(254)}/b`,
  '',
];

/** Label values. */
export const LABEL_VALUES: readonly string[] = [
  '',
  'v1',
  'My_Value.2',
  '-a',
  'a b',
  'a/b',
  'x'.repeat(63),
  'x'.repeat(64),
];

/** IngressClass controllers. */
export const CONTROLLERS: readonly string[] = [
  'example.com/ingress',
  'k8s.io/a:b',
  'a/b',
  'example.com/a/b/c',
  'example.com/~user',
  "example.com/!$&'()*+,;=",
  '',
  'example.com',
  'example.com/',
  '/path',
  'Example.com/x',
  'example.com/a b',
  'example.com/a%20b',
  'example.com/a?b',
  'example.com/ä',
  'a_b.com/x',
  `example.com/${'x'.repeat(238)}`,
  `example.com/${'x'.repeat(239)}`,
  `${longHost(253)}/x`,
];

/** IngressClass parameters. */
export const PARAMETERS: Readonly<Record<string, Json>> = {
  cluster: { kind: 'Params', name: 'p' },
  'cluster-explicit': { kind: 'Params', name: 'p', scope: 'Cluster' },
  'cluster-with-namespace': { kind: 'Params', name: 'p', scope: 'Cluster', namespace: 'ns' },
  'cluster-with-empty-namespace': { kind: 'Params', name: 'p', scope: 'Cluster', namespace: '' },
  'default-scope-with-namespace': { kind: 'Params', name: 'p', namespace: 'ns' },
  namespace: { kind: 'Params', name: 'p', scope: 'Namespace', namespace: 'ns' },
  'namespace-missing': { kind: 'Params', name: 'p', scope: 'Namespace' },
  'namespace-empty': { kind: 'Params', name: 'p', scope: 'Namespace', namespace: '' },
  'namespace-invalid': { kind: 'Params', name: 'p', scope: 'Namespace', namespace: 'Bad' },
  'namespace-with-dot': { kind: 'Params', name: 'p', scope: 'Namespace', namespace: 'a.b' },
  'namespace-64': { kind: 'Params', name: 'p', scope: 'Namespace', namespace: 'a'.repeat(64) },
  'scope-lower': { kind: 'Params', name: 'p', scope: 'cluster' },
  'scope-empty': { kind: 'Params', name: 'p', scope: '' },
  'no-kind': { name: 'p' },
  'no-name': { kind: 'Params' },
  empty: {},
  'group-ok': { apiGroup: 'k8s.example.com', kind: 'Params', name: 'p' },
  'group-empty': { apiGroup: '', kind: 'Params', name: 'p' },
  'group-invalid': { apiGroup: 'Bad_Group', kind: 'Params', name: 'p' },
  'kind-dotdot': { kind: '..', name: 'p' },
  'name-slash': { kind: 'Params', name: 'a/b' },
  'name-percent': { kind: 'Params', name: 'a%b' },
};

const PATH_TYPES = ['Exact', 'Prefix', 'ImplementationSpecific'];

function hostCases(): ValidationCase[] {
  return Object.entries(HOSTS).flatMap(([label, host]) => [
    { id: `rule-host/${label}`, kind: 'Ingress', object: ingress({ rules: [rule(host)] }) },
    {
      id: `tls-host/${label}`,
      kind: 'Ingress',
      object: ingress({ rules: [rule('a.com')], tls: [{ hosts: [host], secretName: 'cert' }] }),
    },
  ]);
}

function pathCases(): ValidationCase[] {
  const cases: ValidationCase[] = PATH_TYPES.flatMap((pathType) =>
    PATHS.map((path): ValidationCase => ({
      id: `path/${pathType}/${JSON.stringify(path)}`,
      kind: 'Ingress',
      object: ingress({ rules: [rule('a.com', pathEntry(path, pathType))] }),
    })),
  );
  const pathTypes: Record<string, unknown> = {
    missing: undefined,
    lower: 'prefix',
    unknown: 'Regex',
    empty: '',
  };
  for (const [label, pathType] of Object.entries(pathTypes)) {
    cases.push({
      id: `path-type/${label}`,
      kind: 'Ingress',
      object: ingress({ rules: [rule('a.com', pathEntry('/', pathType))] }),
    });
    cases.push({
      id: `path-type/${label}-bad-path-and-backend`,
      kind: 'Ingress',
      object: ingress({
        rules: [rule('a.com', pathEntry('a//b', pathType, serviceBackend('Web')))],
      }),
    });
  }
  cases.push({
    id: 'path/missing-key',
    kind: 'Ingress',
    object: ingress({
      rules: [rule('a.com', { pathType: 'Prefix', backend: serviceBackend('web') })],
    }),
  });
  return cases;
}

function backendCases(): ValidationCase[] {
  const inPath = (backend: unknown): Json =>
    ingress({ rules: [rule('a.com', pathEntry('/', 'Prefix', backend))] });
  const cases: ValidationCase[] = [];
  for (const name of SERVICE_NAMES) {
    cases.push({
      id: `service-name/${JSON.stringify(name)}`,
      kind: 'Ingress',
      object: inPath(serviceBackend(name)),
    });
    cases.push({
      id: `service-name/default/${JSON.stringify(name)}`,
      kind: 'Ingress',
      object: ingress({ defaultBackend: serviceBackend(name) }),
    });
  }
  cases.push({
    id: 'service-name/missing',
    kind: 'Ingress',
    object: inPath({ service: { port: { number: 80 } } }),
  });
  for (const [label, port] of Object.entries(PORTS)) {
    cases.push({
      id: `port/${label}`,
      kind: 'Ingress',
      object: inPath(serviceBackend('web', port)),
    });
    cases.push({
      id: `port/default/${label}`,
      kind: 'Ingress',
      object: ingress({ defaultBackend: serviceBackend('web', port) }),
    });
  }
  for (const [label, resource] of Object.entries(RESOURCES)) {
    cases.push({ id: `resource/${label}`, kind: 'Ingress', object: inPath({ resource }) });
    cases.push({
      id: `resource/default/${label}`,
      kind: 'Ingress',
      object: ingress({ defaultBackend: { resource } }),
    });
  }
  const shapes: Record<string, unknown> = {
    both: { ...serviceBackend('web'), resource: RESOURCES['plain'] },
    neither: {},
    'null-service': { service: null },
    'empty-service': { service: {} },
    'empty-resource': { resource: {} },
  };
  for (const [label, backend] of Object.entries(shapes)) {
    cases.push({ id: `backend/${label}`, kind: 'Ingress', object: inPath(backend) });
    cases.push({
      id: `backend/default/${label}`,
      kind: 'Ingress',
      object: ingress({ defaultBackend: backend }),
    });
  }
  cases.push({
    id: 'backend/missing',
    kind: 'Ingress',
    object: ingress({ rules: [rule('a.com', { path: '/', pathType: 'Prefix' })] }),
  });
  return cases;
}

function specCases(): ValidationCase[] {
  const backend = serviceBackend('web');
  const specs: Record<string, unknown> = {
    'default-backend-only': { defaultBackend: backend },
    'no-rules-no-default': {},
    'null-spec': null,
    'empty-rules': { rules: [] },
    'empty-rules-with-default': { rules: [], defaultBackend: backend },
    'empty-rule': { rules: [{}] },
    'host-only-rule': { rules: [{ host: 'a.com' }] },
    'empty-http': { rules: [{ host: 'a.com', http: {} }] },
    'empty-paths': { rules: [{ host: 'a.com', http: { paths: [] } }] },
    'null-paths': { rules: [{ host: 'a.com', http: { paths: null } }] },
    'no-host': { rules: [rule(undefined)] },
    'empty-host': { rules: [rule('')] },
    'many-problems': {
      defaultBackend: {},
      rules: [rule('A.com', pathEntry('x', 'Exact', serviceBackend('Web', { number: 0 })))],
      tls: [{ hosts: ['*'], secretName: 'Bad' }],
      ingressClassName: 'Bad',
    },
  };
  const cases = Object.entries(specs).map(([label, spec]): ValidationCase => ({
    id: `spec/${label}`,
    kind: 'Ingress',
    object: ingress(spec),
  }));
  const tls: Record<string, unknown> = {
    'empty-entry': [{}],
    'empty-hosts': [{ hosts: [] }],
    'no-secret': [{ hosts: ['a.com'] }],
    'empty-secret': [{ hosts: ['a.com'], secretName: '' }],
    'two-entries': [{ secretName: 'a' }, { hosts: ['a.com', '*.a.com'], secretName: 'b' }],
  };
  for (const [label, entries] of Object.entries(tls)) {
    cases.push({
      id: `tls/${label}`,
      kind: 'Ingress',
      object: ingress({ defaultBackend: backend, tls: entries }),
    });
  }
  for (const name of NAMES) {
    cases.push({
      id: `tls-secret/${JSON.stringify(name)}`,
      kind: 'Ingress',
      object: ingress({ defaultBackend: backend, tls: [{ hosts: ['a.com'], secretName: name }] }),
    });
  }
  return cases;
}

function metadataCases(): ValidationCase[] {
  const spec = { defaultBackend: serviceBackend('web') };
  const cases: ValidationCase[] = NAMES.map((name) => ({
    id: `name/${JSON.stringify(name)}`,
    kind: 'Ingress',
    object: ingress(spec, { name }),
  }));
  cases.push({ id: 'name/missing', kind: 'Ingress', object: { ...ingress(spec), metadata: {} } });
  for (const key of KEYS) {
    cases.push({
      id: `annotation-key/${JSON.stringify(key)}`,
      kind: 'Ingress',
      object: ingress(spec, { annotations: { [key]: 'v' } }),
    });
    cases.push({
      id: `label-key/${JSON.stringify(key)}`,
      kind: 'Ingress',
      object: ingress(spec, { labels: { [key]: 'v' } }),
    });
  }
  for (const value of LABEL_VALUES) {
    cases.push({
      id: `label-value/${JSON.stringify(value)}`,
      kind: 'Ingress',
      object: ingress(spec, { labels: { app: value } }),
    });
  }
  // The API server's limit is 256 KiB for all keys and values together.
  const limit = 256 * 1024;
  for (const [label, size] of [
    ['at-limit', limit],
    ['over-limit', limit + 1],
  ] as const) {
    const value = 'x'.repeat(size - 'big'.length);
    cases.push({
      id: `annotations-size/${label}`,
      kind: 'Ingress',
      object: ingress(spec, { annotations: { big: value } }),
    });
  }
  const classes: Record<string, [string | undefined, string | undefined]> = {
    same: ['nginx', 'nginx'],
    different: ['nginx', 'pointsman'],
    'empty-annotation': ['', 'pointsman'],
    'annotation-only': ['nginx', undefined],
    'annotation-only-invalid': ['Not A Name', undefined],
    'class-only': [undefined, 'pointsman'],
    'class-empty': [undefined, ''],
    'class-uppercase': [undefined, 'Pointsman'],
    'class-254': [undefined, 'a'.repeat(254)],
    'both-invalid-same': ['Bad', 'Bad'],
  };
  for (const [label, [annotation, className]] of Object.entries(classes)) {
    const object = ingress(
      className === undefined ? spec : { ...spec, ingressClassName: className },
      annotation === undefined
        ? {}
        : { annotations: { 'kubernetes.io/ingress.class': annotation } },
    );
    cases.push({ id: `class/${label}`, kind: 'Ingress', object });
  }
  return cases;
}

function ingressClassCases(): ValidationCase[] {
  const cases: ValidationCase[] = CONTROLLERS.map((controller) => ({
    id: `controller/${JSON.stringify(controller)}`,
    kind: 'IngressClass',
    object: ingressClass({ controller }),
  }));
  cases.push({ id: 'controller/missing', kind: 'IngressClass', object: ingressClass({}) });
  cases.push({ id: 'controller/no-spec', kind: 'IngressClass', object: ingressClass(null) });
  for (const [label, parameters] of Object.entries(PARAMETERS)) {
    cases.push({
      id: `parameters/${label}`,
      kind: 'IngressClass',
      object: ingressClass({ controller: 'example.com/ingress', parameters }),
    });
  }
  for (const name of NAMES) {
    cases.push({
      id: `class-name/${JSON.stringify(name)}`,
      kind: 'IngressClass',
      object: ingressClass({ controller: 'example.com/ingress' }, { name }),
    });
  }
  cases.push({
    id: 'class-annotation/default-not-boolean',
    kind: 'IngressClass',
    object: ingressClass(
      { controller: 'example.com/ingress' },
      { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'yes' } },
    ),
  });
  cases.push({
    id: 'class-namespace/ignored',
    kind: 'IngressClass',
    object: ingressClass({ controller: 'example.com/ingress' }, { namespace: 'Not Valid' }),
  });
  return cases;
}

/**
 * JSON the typed API structs read in their own way: `null` (what YAML gives for a key without
 * a value or an empty list item), values of the wrong type (refused while decoding, 400),
 * unknown fields (dropped), and a name left to the server to generate.
 */
function jsonCases(): ValidationCase[] {
  const backend = serviceBackend('web');
  const spec = { defaultBackend: backend };
  const ingresses: Record<string, Json> = {
    'annotation-value-null': ingress(spec, { annotations: { a: null } }),
    'label-value-null': ingress(spec, { labels: { a: null } }),
    'annotation-value-number': ingress(spec, { annotations: { a: 1 } }),
    'annotations-null': ingress(spec, { annotations: null }),
    'name-null': ingress(spec, { name: null }),
    'generate-name-only': ingress(spec, { name: undefined, generateName: 'shop-' }),
    'class-name-null': ingress({ ...spec, ingressClassName: null }),
    'host-null': ingress({ rules: [rule(null)] }),
    'path-type-null': ingress({ rules: [rule('a.com', pathEntry('/', null))] }),
    'path-null': ingress({ rules: [rule('a.com', pathEntry(null, 'Prefix'))] }),
    'path-newline': ingress({ rules: [rule('a.com', pathEntry('/a\nb', 'Exact'))] }),
    'host-newline': ingress({ rules: [rule('a.com\n')] }),
    'name-newline': ingress(spec, { name: 'a\n' }),
    'unknown-field': ingress({ ...spec, foo: 1 }),
    'port-fraction': ingress({ defaultBackend: serviceBackend('web', { number: 80.5 }) }),
    'port-over-int32': ingress({ defaultBackend: serviceBackend('web', { number: 1e10 }) }),
    'port-string': ingress({ defaultBackend: serviceBackend('web', { number: '80' }) }),
    'tls-host-null': ingress({ ...spec, tls: [{ hosts: [null] }] }),
    'tls-entry-null': ingress({ ...spec, tls: [null] }),
    'tls-null': ingress({ ...spec, tls: null }),
    'rule-null': ingress({ ...spec, rules: [null] }),
    'rule-null-alone': ingress({ rules: [null] }),
    'http-null': ingress({ rules: [{ host: 'a.com', http: null }] }),
    'path-entry-null': ingress({ rules: [{ host: 'a.com', http: { paths: [null] } }] }),
    'backend-null': ingress({
      rules: [rule('a.com', { path: '/', pathType: 'Prefix', backend: null })],
    }),
    'default-backend-null': ingress({ defaultBackend: null }),
    'port-null': ingress({ defaultBackend: serviceBackend('web', null) }),
    'spec-string': ingress('x'),
    'rules-object': ingress({ rules: { host: 'a.com' } }),
    'resource-group-null': ingress({
      defaultBackend: { resource: { apiGroup: null, kind: 'K', name: 'n' } },
    }),
  };
  const classes: Record<string, Json> = {
    'controller-null': ingressClass({ controller: null }),
    'parameters-null': ingressClass({ controller: 'example.com/ingress', parameters: null }),
    'scope-null': ingressClass({
      controller: 'example.com/ingress',
      parameters: { kind: 'K', name: 'n', scope: null, namespace: 'x' },
    }),
    'namespace-null': ingressClass({
      controller: 'example.com/ingress',
      parameters: { kind: 'K', name: 'n', scope: 'Namespace', namespace: null },
    }),
    'controller-number': ingressClass({ controller: 7 }),
  };
  return [
    ...Object.entries(ingresses).map(([label, object]): ValidationCase => ({
      id: `json/${label}`,
      kind: 'Ingress',
      object,
    })),
    ...Object.entries(classes).map(([label, object]): ValidationCase => ({
      id: `json/${label}`,
      kind: 'IngressClass',
      object,
    })),
  ];
}

/**
 * Metadata that only the API server acts on (finalizers, owner references, name generation,
 * timestamps, versions) and a status: pointsman never reads them.
 */
function bookkeepingCases(): ValidationCase[] {
  const spec = { defaultBackend: serviceBackend('web') };
  const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: '1234' };
  const metadata: Record<string, Json> = {
    'finalizer-ok': { finalizers: ['example.com/cleanup'] },
    'finalizer-invalid': { finalizers: ['a b'] },
    'finalizer-without-domain': { finalizers: ['cleanup'] },
    'finalizer-twice': { finalizers: ['example.com/cleanup', 'example.com/cleanup'] },
    'owner-ok': { ownerReferences: [owner] },
    'owner-empty': { ownerReferences: [{}] },
    'generate-name-ok': { generateName: 'shop-' },
    'generate-name-invalid': { generateName: 'Bad_' },
    uid: { uid: 'not-a-uuid' },
    'resource-version': { resourceVersion: '5' },
    'creation-timestamp-invalid': { creationTimestamp: 'yesterday' },
    'managed-fields': { managedFields: [{ manager: 'someone' }] },
  };
  const cases = Object.entries(metadata).map(([label, fields]): ValidationCase => ({
    id: `bookkeeping/${label}`,
    kind: 'Ingress',
    object: ingress(spec, fields),
  }));
  cases.push({
    id: 'bookkeeping/status',
    kind: 'Ingress',
    object: { ...ingress(spec), status: { loadBalancer: { ingress: [{ ip: 'not-an-ip' }] } } },
  });
  cases.push({
    id: 'bookkeeping/class-finalizer-invalid',
    kind: 'IngressClass',
    object: ingressClass({ controller: 'example.com/ingress' }, { finalizers: ['a b'] }),
  });
  return cases;
}

/** Every hand-written case, with unique ids. */
export function handWrittenCases(): ValidationCase[] {
  return [
    ...hostCases(),
    ...pathCases(),
    ...backendCases(),
    ...specCases(),
    ...metadataCases(),
    ...ingressClassCases(),
    ...jsonCases(),
    ...bookkeepingCases(),
  ];
}
