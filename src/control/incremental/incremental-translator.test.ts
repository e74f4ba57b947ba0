import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject, Snapshot, StoredObject } from '../../objects/index.ts';
import { snapshotOf } from '../../objects/index.ts';
import { FakeClock, ObjectStore } from '../../store/index.ts';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../../translate/index.ts';
import { seededRandom } from '../../../test/helpers/seeded-random.ts';
import {
  createTestCa,
  tlsSecret,
  type IssuedCertificate,
  type TestCa,
} from '../../../test/helpers/tls-certificates.ts';
import { compileRouteTable, type CompiledTable } from '../../dataplane/compile/index.ts';
import { ReferenceMatcher } from '../../ir/index.ts';
import { translateKeepingLastGood, type LastGoodTranslation } from '../last-good.ts';
import { IncrementalTranslator, type TranslationStep } from './incremental-translator.ts';

const PREFIX = 'nginx.ingress.kubernetes.io';
const NAMESPACES = ['ns-a', 'ns-b'];
const HOSTS = [
  'a.example.com',
  'b.example.com',
  'c.example.com',
  'www.c.example.com',
  '*.example.com',
  'x.other.org',
  'y.other.org',
  null,
];
const SERVICES = ['svc-0', 'svc-1', 'svc-2', 'svc-3'];
const PATHS = ['/', '/api', '/api/v1', '/static/', '/x(/|$)(.*)', 'relative'];
const DAY = 86_400_000;
const REQUEST_HOSTS = [
  ...HOSTS.map((host) => host ?? 'nohost.test'),
  'z.example.com',
  'alias.example.com',
];
const REQUEST_PATHS = ['/', '/api', '/api/v1/x', '/static/a', '/x/1', '/nope'];

let ca: TestCa;
let shortCertificate: IssuedCertificate;
let wildcardCertificate: IssuedCertificate;
let clientCa: string;

before(async () => {
  ca = await createTestCa();
  shortCertificate = await ca.issue({ dns: ['a.example.com', 'b.example.com'], days: 10 });
  wildcardCertificate = await ca.issue({ dns: ['*.example.com'], days: 400 });
  clientCa = ca.caPem;
});

after(async () => {
  await ca.close();
});

/** A world of objects that random mutations change, one step at a time. */
class World {
  readonly objects = new Map<string, StoredObject>();
  /** The same objects in a store, whose snapshots keep the lists of kinds that did not change. */
  readonly store = new ObjectStore({ clock: new FakeClock() });
  now = Date.parse('2026-12-03T00:00:00Z');
  #sequence = 0;
  readonly #random: () => number;

  constructor(seed: number) {
    this.#random = seededRandom(seed);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)] as T;
  }

  chance(p: number): boolean {
    return this.#random() < p;
  }

  put(kind: StoredObject['kind'], object: KubeObject): void {
    const namespace = object.metadata.namespace ?? '';
    const stored: StoredObject = {
      kind,
      namespace,
      name: object.metadata.name,
      object,
      origin: { source: 'kubernetes' },
      sequence: this.#sequence++,
    };
    this.objects.set(`${kind}/${namespace}/${object.metadata.name}`, stored);
    this.store.upsert('world', stored);
  }

  remove(kind: StoredObject['kind']): void {
    const keys = [...this.objects.keys()].filter((key) => key.startsWith(`${kind}/`));
    if (keys.length === 0) return;
    const key = this.pick(keys);
    const object = this.objects.get(key);
    this.objects.delete(key);
    if (object !== undefined) {
      this.store.remove('world', object.kind, object.namespace, object.name);
    }
  }

  /** The store's snapshot (lists of unchanged kinds kept), or, every other time, a fresh one. */
  snapshot(): Snapshot {
    return this.chance(0.5) ? this.store.snapshot() : snapshotOf(this.objects.values());
  }

  ingress(): KubeObject {
    const namespace = this.pick(NAMESPACES);
    const name = `ing-${String(Math.floor(this.#random() * 12))}`;
    const backend = (): object => ({
      service: {
        name: this.pick(SERVICES),
        port: this.chance(0.8) ? { number: this.pick([80, 80, 8080]) } : { name: 'http' },
      },
    });
    const rules = Array.from({ length: 1 + Math.floor(this.#random() * 2) }, () => {
      const host = this.pick(HOSTS);
      const paths = Array.from({ length: 1 + Math.floor(this.#random() * 2) }, () => ({
        path: this.pick(PATHS),
        pathType: this.pick(['Prefix', 'Exact', 'ImplementationSpecific']),
        backend: backend(),
      }));
      return { ...(host === null ? {} : { host }), http: { paths } };
    });
    const annotations: Record<string, string> = {};
    const maybe = (p: number, key: string, value: string): void => {
      if (this.chance(p)) annotations[`${PREFIX}/${key}`] = value;
    };
    maybe(0.1, 'ssl-redirect', this.pick(['true', 'false']));
    maybe(0.1, 'force-ssl-redirect', 'true');
    maybe(0.1, 'server-alias', this.pick(['alias.example.com', 'y.other.org', '*.other.org']));
    maybe(0.1, 'from-to-www-redirect', 'true');
    if (this.chance(0.15)) {
      annotations[`${PREFIX}/canary`] = 'true';
      maybe(1, 'canary-weight', this.pick(['0', '50', '100']));
    }
    if (this.chance(0.1)) {
      annotations[`${PREFIX}/use-regex`] = 'true';
      maybe(0.5, 'rewrite-target', '/$2');
    }
    if (this.chance(0.1)) {
      annotations[`${PREFIX}/auth-type`] = 'basic';
      maybe(0.9, 'auth-secret', this.pick(['auth', 'ns-b/auth', 'missing']));
    }
    maybe(0.1, 'default-backend', this.pick(SERVICES));
    maybe(0.1, 'custom-http-errors', '503,404');
    if (this.chance(0.1)) {
      annotations[`${PREFIX}/backend-protocol`] = 'HTTPS';
      maybe(0.5, 'proxy-ssl-secret', this.pick(['ns-a/client-ca', 'client-ca']));
    }
    maybe(0.1, 'auth-tls-secret', this.pick(['ns-a/client-ca', 'client-ca']));
    maybe(0.1, 'custom-headers', this.pick(['ns-a/headers', 'headers']));
    maybe(0.1, 'whitelist-source-range', this.pick(['10.0.0.0/8', 'not-a-range']));
    maybe(0.1, 'ssl-passthrough', 'true');
    maybe(0.05, 'configuration-snippet', 'more_set_headers "X-A: b";');
    maybe(0.05, 'unknown-thing', 'x');
    const spec: Record<string, unknown> = { rules };
    if (this.chance(0.85))
      spec['ingressClassName'] = this.pick(['pointsman', 'pointsman', 'other']);
    if (this.chance(0.1)) spec['defaultBackend'] = backend();
    if (this.chance(0.3)) {
      spec['tls'] = [
        {
          hosts: [this.pick(HOSTS) ?? 'a.example.com'],
          ...(this.chance(0.9) ? { secretName: this.pick(['tls-short', 'tls-wild', 'nope']) } : {}),
        },
      ];
    }
    const stamp = this.pick([undefined, '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z']);
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name,
        namespace,
        annotations,
        ...(stamp === undefined ? {} : { creationTimestamp: stamp }),
      },
      spec,
    };
  }

  service(): KubeObject {
    const ports = this.chance(0.1)
      ? 'broken'
      : [{ name: 'http', port: 80 }, ...(this.chance(0.5) ? [{ name: 'alt', port: 8080 }] : [])];
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.pick(SERVICES), namespace: this.pick(NAMESPACES) },
      spec: {
        type: this.chance(0.05) ? 'ExternalName' : 'ClusterIP',
        clusterIP: '10.96.0.10',
        ports,
      },
    };
  }

  slice(name?: string, namespace?: string, service?: string): KubeObject {
    const endpoints = Array.from({ length: Math.floor(this.#random() * 3) }, (_, i) => ({
      addresses: [`10.0.${String(Math.floor(this.#random() * 3))}.${String(i + 1)}`],
      conditions: { ready: this.chance(0.8) },
    }));
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: name ?? `${this.pick(SERVICES)}-${this.pick(['x', 'y'])}`,
        namespace: namespace ?? this.pick(NAMESPACES),
        labels: { 'kubernetes.io/service-name': service ?? this.pick(SERVICES) },
      },
      addressType: 'IPv4',
      ports: [
        { name: 'http', port: 8080 },
        { name: 'alt', port: 9090 },
      ],
      endpoints,
    };
  }

  /** Changes an existing slice's endpoints only: the endpoint fast path's case. */
  moveEndpoints(): void {
    const slices = [...this.objects.values()].filter((o) => o.kind === 'EndpointSlice');
    if (slices.length === 0) return;
    const slice = this.pick(slices);
    const labels = slice.object.metadata.labels as Record<string, string>;
    this.put(
      'EndpointSlice',
      this.slice(slice.name, slice.namespace, labels['kubernetes.io/service-name']),
    );
  }

  mutate(): void {
    const roll = this.#random();
    if (roll < 0.35) this.put('Ingress', this.ingress());
    else if (roll < 0.45) this.remove('Ingress');
    else if (roll < 0.5) this.put('Service', this.service());
    else if (roll < 0.52) this.remove('Service');
    else if (roll < 0.72) this.moveEndpoints();
    else if (roll < 0.77) this.put('EndpointSlice', this.slice());
    else if (roll < 0.79) this.remove('EndpointSlice');
    else if (roll < 0.85) this.putSecret();
    else if (roll < 0.87) this.remove('Secret');
    else if (roll < 0.9) this.putConfigMap();
    else if (roll < 0.92) this.putClasses();
    else if (roll < 0.94) this.now += this.pick([DAY, 30 * DAY]);
  }

  putSecret(): void {
    const namespace = this.pick(NAMESPACES);
    const which = this.pick(['tls-short', 'tls-wild', 'auth', 'client-ca', 'tls-broken']);
    if (which === 'tls-short' || which === 'tls-wild') {
      const certificate = which === 'tls-short' ? shortCertificate : wildcardCertificate;
      this.put('Secret', tlsSecret(which, certificate, namespace) as KubeObject);
    } else if (which === 'auth') {
      const users = this.pick(['user:{PLAIN}secret', 'admin:$apr1$broken']);
      this.put('Secret', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'auth', namespace },
        data: { auth: Buffer.from(users).toString('base64') },
      });
    } else if (which === 'client-ca') {
      this.put('Secret', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'client-ca', namespace },
        data: { 'ca.crt': Buffer.from(this.chance(0.8) ? clientCa : 'junk').toString('base64') },
      });
    } else {
      this.put('Secret', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: this.pick(['tls-short', 'tls-wild']), namespace },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': 'bm90IGEgY2VydA==' },
      });
    }
  }

  putConfigMap(): void {
    this.put('ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'headers', namespace: this.pick(NAMESPACES) },
      data: { 'X-Team': this.pick(['a', 'b']), ...(this.chance(0.2) ? { 'Bad Name': 'x' } : {}) },
    });
  }

  putClasses(): void {
    this.put('IngressClass', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: {
        name: 'pointsman',
        annotations: this.chance(0.5)
          ? { 'ingressclass.kubernetes.io/is-default-class': 'true' }
          : {},
      },
      spec: { controller: 'pointsman.dev/ingress-controller' },
    });
  }
}

/** The comparable content of a translation: everything but the secret material's values. */
function comparable(
  translation: Omit<LastGoodTranslation, 'served'>,
  served: LastGoodTranslation['served'],
): unknown {
  return {
    table: translation.table,
    results: translation.results,
    servingLastGood: translation.servingLastGood,
    served: [...served].sort(([a], [b]) => (a < b ? -1 : 1)),
    certificates: [...translation.certificates.keys()].sort(),
    upstreamTls: [...translation.upstreamTls.keys()].sort(),
    credentials: [...translation.access.credentials.keys()].sort(),
    clientCas: [...translation.access.clientCas.keys()].sort(),
  };
}

/**
 * Drives `steps` random changes through the incremental translator and through a whole
 * translation of each snapshot, and checks both give the same at every step.
 */
function runSequence(seed: number, steps: number, options: TranslateOptions): TranslationStep[] {
  const world = new World(seed);
  world.putClasses();
  for (const namespace of NAMESPACES) {
    for (const name of SERVICES) {
      world.put('Service', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace },
        spec: { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80 }] },
      });
      world.put('EndpointSlice', world.slice(`${name}-x`, namespace, name));
    }
  }
  const versionKey = new Uint8Array(32).fill(7);
  const incremental = new IncrementalTranslator();
  let served: LastGoodTranslation['served'] = new Map();
  const modes: TranslationStep[] = [];
  let compiled: CompiledTable | undefined;
  for (let step = 0; step < steps; step++) {
    const changes = step % 5 === 0 ? 3 : 1;
    for (let i = 0; i < changes; i++) world.mutate();
    const stepOptions = { ...options, versionKey, now: world.now };
    const snapshot = world.snapshot();
    const whole = translateKeepingLastGood(snapshot, stepOptions, served);
    served = whole.served;
    const got = incremental.translate(snapshot, stepOptions);
    modes.push(incremental.lastStep);
    const where = `seed ${String(seed)}, step ${String(step)} (${incremental.lastStep.mode})`;
    assert.deepStrictEqual(
      comparable(got, incremental.served),
      comparable(whole, whole.served),
      where,
    );
    // The data plane compiles each table from the last one (only changed hosts again).
    compiled = compileRouteTable(got.table, got.upstreamTls, got.access, compiled);
    const reference = new ReferenceMatcher(got.table);
    for (const host of REQUEST_HOSTS) {
      for (const path of REQUEST_PATHS) {
        assert.deepStrictEqual(compiled.match(host, path), reference.match(host, path), where);
      }
    }
  }
  return modes;
}

const OPTION_SETS: Record<string, TranslateOptions> = {
  default: DEFAULT_TRANSLATE_OPTIONS,
  'default backend and error codes': {
    ...DEFAULT_TRANSLATE_OPTIONS,
    defaultBackendService: { namespace: 'ns-a', name: 'svc-0' },
    customHttpErrors: [503],
  },
  'default certificate, passthrough, class-less Ingresses': {
    ...DEFAULT_TRANSLATE_OPTIONS,
    defaultCertificate: { namespace: 'ns-b', name: 'tls-wild' },
    sslPassthrough: true,
    watchIngressWithoutClass: true,
  },
};

describe('IncrementalTranslator', () => {
  for (const [label, options] of Object.entries(OPTION_SETS)) {
    it(`equals a whole translation at every step of random changes (${label})`, () => {
      const modes: TranslationStep[] = [];
      for (let seed = 1; seed <= 6; seed++) modes.push(...runSequence(seed, 150, options));
      // The comparison above is only worth something if the short paths were taken.
      const count = (mode: TranslationStep['mode']): number =>
        modes.filter((step) => step.mode === mode).length;
      assert.ok(count('groups') > 100, `groups steps: ${String(count('groups'))}`);
      assert.ok(count('endpoints') > 20, `endpoint steps: ${String(count('endpoints'))}`);
      assert.ok(count('full') > 6, `full steps: ${String(count('full'))}`);
    });
  }
});
