/**
 * Seeded random cases for the validation differential test: valid Ingresses and IngressClasses
 * with one to three fields replaced by tricky values (from the hand-written pools, or random
 * strings near the length limits) or removed. The same seed always gives the same cases.
 */
import {
  CONTROLLERS,
  HOSTS,
  KEYS,
  LABEL_VALUES,
  NAMES,
  PARAMETERS,
  PATHS,
  PORTS,
  RESOURCES,
  SERVICE_NAMES,
  ingress,
  ingressClass,
  pathEntry,
  rule,
  serviceBackend,
  type Json,
  type ValidationCase,
} from './validation-corpus.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[Math.floor(random() * items.length)] as T;
}

const LETTERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
// Characters that matter to at least one rule: case, separators, wildcards, escapes, spaces.
const SPECIALS = ['a', 'z', '0', '9', 'A', 'Z', '-', '.', '_', '*', '/', '%', '~', ':', ' '];
const LENGTHS = [0, 1, 2, 3, 14, 15, 16, 62, 63, 64, 65, 252, 253, 254];

/** A random string, mostly lower-case letters so that other characters stand out. */
function randomString(random: Random): string {
  const length = pick(random, LENGTHS);
  let text = '';
  for (let index = 0; index < length; index++) {
    text += random() < 0.8 ? pick(random, LETTERS) : pick(random, SPECIALS);
  }
  return text;
}

/** A value from `pool` most of the time, else (for a pool of strings) a random string. */
function tricky(random: Random, pool: readonly unknown[]): unknown {
  const strings = pool.some((value) => typeof value === 'string');
  return !strings || random() < 0.75 ? pick(random, pool) : randomString(random);
}

/** Sentinel: remove the key instead of setting it. */
const REMOVE = Symbol('remove');

/** A place in the object that a mutation can replace, and the values it draws from. */
interface Slot {
  readonly path: readonly (string | number)[];
  readonly pool: readonly unknown[];
}

const PATH_TYPES = ['Exact', 'Prefix', 'ImplementationSpecific', 'prefix', '', REMOVE];

function ingressTemplate(): Json {
  return ingress(
    {
      ingressClassName: 'pointsman',
      defaultBackend: serviceBackend('fallback', { name: 'http' }),
      rules: [
        rule(
          'shop.example.com',
          pathEntry('/cart', 'Prefix', serviceBackend('cart', { number: 8080 })),
        ),
        rule(
          '*.example.com',
          pathEntry('/', 'Exact', {
            resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'b' },
          }),
        ),
      ],
      tls: [{ hosts: ['shop.example.com', '*.example.com'], secretName: 'shop-cert' }],
    },
    { labels: { app: 'shop' }, annotations: { 'example.com/note': 'x' } },
  );
}

const INGRESS_SLOTS: readonly Slot[] = [
  { path: ['metadata', 'name'], pool: NAMES },
  {
    path: ['metadata', 'labels'],
    pool: [
      ...KEYS.map((key) => ({ [key]: 'v' })),
      ...LABEL_VALUES.map((value) => ({ app: value })),
    ],
  },
  {
    path: ['metadata', 'annotations'],
    pool: [
      ...KEYS.map((key) => ({ [key]: 'v' })),
      { 'kubernetes.io/ingress.class': 'pointsman' },
      { 'kubernetes.io/ingress.class': 'other' },
    ],
  },
  { path: ['spec', 'ingressClassName'], pool: [...NAMES, REMOVE] },
  {
    path: ['spec', 'defaultBackend'],
    pool: [REMOVE, {}, ...Object.values(RESOURCES).map((resource) => ({ resource }))],
  },
  { path: ['spec', 'defaultBackend', 'service', 'name'], pool: [...SERVICE_NAMES, REMOVE] },
  { path: ['spec', 'defaultBackend', 'service', 'port'], pool: [...Object.values(PORTS), REMOVE] },
  { path: ['spec', 'rules'], pool: [REMOVE, [], [{}]] },
  { path: ['spec', 'rules', 0, 'host'], pool: [...Object.values(HOSTS), '', REMOVE] },
  { path: ['spec', 'rules', 1, 'host'], pool: [...Object.values(HOSTS), '', REMOVE] },
  { path: ['spec', 'rules', 0, 'http', 'paths', 0, 'path'], pool: [...PATHS, REMOVE] },
  { path: ['spec', 'rules', 1, 'http', 'paths', 0, 'path'], pool: [...PATHS, REMOVE] },
  { path: ['spec', 'rules', 0, 'http', 'paths', 0, 'pathType'], pool: PATH_TYPES },
  { path: ['spec', 'rules', 1, 'http', 'paths', 0, 'pathType'], pool: PATH_TYPES },
  { path: ['spec', 'rules', 0, 'http', 'paths'], pool: [REMOVE, []] },
  {
    path: ['spec', 'rules', 0, 'http', 'paths', 0, 'backend', 'service', 'name'],
    pool: SERVICE_NAMES,
  },
  {
    path: ['spec', 'rules', 0, 'http', 'paths', 0, 'backend', 'service', 'port'],
    pool: Object.values(PORTS),
  },
  {
    path: ['spec', 'rules', 0, 'http', 'paths', 0, 'backend', 'resource'],
    pool: Object.values(RESOURCES),
  },
  {
    path: ['spec', 'rules', 1, 'http', 'paths', 0, 'backend', 'resource'],
    pool: [...Object.values(RESOURCES), REMOVE],
  },
  {
    path: ['spec', 'rules', 1, 'http', 'paths', 0, 'backend', 'resource', 'apiGroup'],
    pool: [...NAMES, REMOVE],
  },
  {
    path: ['spec', 'rules', 1, 'http', 'paths', 0, 'backend', 'resource', 'kind'],
    pool: [...NAMES, '.', '..', 'a/b', REMOVE],
  },
  { path: ['spec', 'tls', 0, 'hosts', 0], pool: Object.values(HOSTS) },
  { path: ['spec', 'tls', 0, 'hosts', 1], pool: Object.values(HOSTS) },
  { path: ['spec', 'tls', 0, 'secretName'], pool: [...NAMES, REMOVE] },
  { path: ['spec', 'tls'], pool: [REMOVE, [], [{}]] },
];

const CLASS_SLOTS: readonly Slot[] = [
  { path: ['metadata', 'name'], pool: NAMES },
  { path: ['metadata', 'annotations'], pool: KEYS.map((key) => ({ [key]: 'v' })) },
  { path: ['spec', 'controller'], pool: [...CONTROLLERS, REMOVE] },
  { path: ['spec', 'parameters'], pool: [...Object.values(PARAMETERS), REMOVE] },
  { path: ['spec', 'parameters', 'apiGroup'], pool: [...NAMES, REMOVE] },
  { path: ['spec', 'parameters', 'kind'], pool: [...NAMES, '.', '..', 'a/b', REMOVE] },
  { path: ['spec', 'parameters', 'name'], pool: [...NAMES, 'a%b', REMOVE] },
  {
    path: ['spec', 'parameters', 'scope'],
    pool: ['Cluster', 'Namespace', 'namespace', '', REMOVE],
  },
  { path: ['spec', 'parameters', 'namespace'], pool: [...NAMES, REMOVE] },
];

function classTemplate(): Json {
  return ingressClass(
    {
      controller: 'example.com/ingress',
      parameters: {
        apiGroup: 'k8s.example.com',
        kind: 'Params',
        name: 'p',
        scope: 'Namespace',
        namespace: 'ns',
      },
    },
    { labels: { app: 'edge' } },
  );
}

/**
 * Sets (or removes) the value at `path`, and says whether it did. A path through something missing or not an object (a
 * removed backend, a string put there by an earlier mutation) is left as it is: the case then
 * has one mutation fewer.
 */
function setAt(root: Json, path: readonly (string | number)[], value: unknown): boolean {
  let node: unknown = root;
  for (const [index, key] of path.entries()) {
    if (typeof node !== 'object' || node === null) return false;
    const record = node as Record<string | number, unknown>;
    if (index === path.length - 1) {
      if (value === REMOVE) Reflect.deleteProperty(record, key);
      else record[key] = structuredClone(value);
      return true;
    }
    node = record[key];
  }
  return false;
}

/**
 * `count` cases from `seed`: two Ingresses for each IngressClass, each with one to three of its
 * fields replaced. Their ids name the seed, the case's index and the fields it changed.
 */
export function generatedCases(seed: number, count: number): ValidationCase[] {
  const random = seededRandom(seed);
  const cases: ValidationCase[] = [];
  for (let index = 0; index < count; index++) {
    const isClass = index % 3 === 2;
    const object = isClass ? classTemplate() : ingressTemplate();
    const slots = isClass ? CLASS_SLOTS : INGRESS_SLOTS;
    const changed: string[] = [];
    const mutations = 1 + Math.floor(random() * 3);
    for (let step = 0; step < mutations; step++) {
      const slot = pick(random, slots);
      if (setAt(object, slot.path, tricky(random, slot.pool))) changed.push(slot.path.join('.'));
    }
    cases.push({
      id: `generated/seed ${seed}/#${index} (${changed.join(', ')})`,
      kind: isClass ? 'IngressClass' : 'Ingress',
      object,
    });
  }
  return cases;
}
