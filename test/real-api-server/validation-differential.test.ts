// pointsman validates Ingresses and IngressClasses itself in YAML mode, where no API server has
// seen them. This test holds that validator to a real kube-apiserver (server-side dry runs of
// create): over a hand-written corpus of edge cases and a seeded random one, both must accept
// or refuse alike and, where both refuse, blame the same fields. Each difference that pointsman
// keeps on purpose is in ALLOWED below, with its reason (and in docs/routing.md#validation).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { REAL_API_SKIP, startRealApiServer, type RealApiServer } from './index.ts';
import {
  handWrittenCases,
  ingress,
  serviceBackend,
  type ValidationCase,
} from './validation-corpus.ts';
import { generatedCases } from './validation-generated.ts';
import {
  apiVerdict,
  compareVerdicts,
  describeDisagreement,
  pointsmanVerdict,
  type Disagreement,
} from './validation-verdicts.ts';

/** The generator's seed: fixed, so a failure reproduces; POINTSMAN_VALIDATION_SEED tries others. */
const SEED = Number(process.env['POINTSMAN_VALIDATION_SEED'] ?? 20260514);
if (!Number.isSafeInteger(SEED)) throw new Error('POINTSMAN_VALIDATION_SEED must be an integer');
const GENERATED = 400;

/** A difference pointsman keeps on purpose. */
interface Allowed {
  readonly id: string;
  readonly reason: string;
  readonly matches: (disagreement: Disagreement) => boolean;
}

/**
 * Whether the path that `field` (`spec.rules[i].http.paths[j].pathType`) points at has no
 * pathType at all: a pathType that is given but unsupported does not stop the API server.
 */
function lacksPathType(testCase: ValidationCase, field: string): boolean {
  const at = /^spec\.rules\[(\d+)\]\.http\.paths\[(\d+)\]\.pathType$/.exec(field);
  if (!at) return false;
  const spec = testCase.object['spec'] as { rules?: { http?: { paths?: unknown[] } }[] };
  const path = spec.rules?.[Number(at[1])]?.http?.paths?.[Number(at[2])];
  return path === null || (path as Record<string, unknown> | undefined)?.['pathType'] == null;
}

/** Metadata fields that pointsman does not validate (see ALLOWED). */
const BOOKKEEPING = ['metadata.finalizers', 'metadata.ownerReferences', 'metadata.generateName'];

/** Whether `inner` lists only fields that `outer` lists too. */
function within(inner: readonly string[], outer: readonly string[]): boolean {
  return inner.every((field) => outer.includes(field));
}

const ALLOWED: readonly Allowed[] = [
  {
    id: 'a path without pathType still has its backend checked',
    // The API server stops at a path without pathType (validateHTTPIngressPath returns early)
    // and never looks at its backend; pointsman checks the backend too, so that one pass lists
    // everything wrong with the path. Both refuse; pointsman blames more fields, all of them
    // under the backend of a path whose missing pathType the API server blamed.
    reason: 'pointsman reports every problem of a path at once',
    matches: (d) => {
      if (d.kind !== 'fields' || d.api.accepted || d.pointsman.accepted) return false;
      const api = d.api.fields ?? [];
      const ours = d.pointsman.fields ?? [];
      const extra = ours.filter((field) => !api.includes(field));
      const untyped = api
        .filter((field) => field.endsWith('.pathType') && lacksPathType(d.case, field))
        .map((field) => `${field.slice(0, -'pathType'.length)}backend`);
      return (
        within(api, ours) &&
        extra.length > 0 &&
        extra.every((field) => untyped.some((backend) => field.startsWith(backend)))
      );
    },
  },
  {
    id: 'metadata that only the API server acts on',
    // pointsman checks the metadata it reads (name, namespace, labels, annotations). Finalizers,
    // owner references, generateName and timestamps only steer the API server and its garbage
    // collector; in YAML mode nothing acts on them, and an Ingress is not refused for them.
    // The API server refuses malformed ones (a timestamp it cannot parse while decoding).
    reason: 'pointsman ignores bookkeeping metadata it never reads',
    matches: (d) => {
      if (d.api.accepted) return false;
      const ours = d.pointsman.accepted ? [] : (d.pointsman.fields ?? []);
      const metadata = d.case.object['metadata'] as Record<string, unknown> | undefined;
      if (d.api.fields === null) {
        return d.pointsman.accepted && typeof metadata?.['creationTimestamp'] === 'string';
      }
      const theirs = d.api.fields.filter((field) => !ours.includes(field));
      return (
        within(ours, d.api.fields) &&
        theirs.length > 0 &&
        theirs.every((field) => BOOKKEEPING.some((prefix) => field.startsWith(prefix)))
      );
    },
  },
  {
    id: 'a name left to generateName',
    // The API server makes up a name from metadata.generateName on create; in YAML mode there
    // is no server to do that, and an object without a name could be neither reported nor
    // told apart from the next one, so pointsman wants metadata.name.
    reason: 'YAML mode has no server to generate names',
    matches: (d) => {
      const metadata = d.case.object['metadata'] as Record<string, unknown> | undefined;
      return (
        d.kind === 'verdict' &&
        d.api.accepted &&
        !d.pointsman.accepted &&
        typeof metadata?.['generateName'] === 'string' &&
        metadata['name'] === undefined &&
        JSON.stringify(d.pointsman.fields) === JSON.stringify(['metadata.name'])
      );
    },
  },
];

interface Outcome {
  readonly cases: number;
  readonly apiAccepted: number;
  readonly apiRefused: number;
  readonly disagreements: readonly Disagreement[];
  readonly spellings: ReadonlyMap<string, number>;
}

/** Sends every case to both validators, one at a time (a dry run takes a few milliseconds). */
async function runCorpus(
  server: RealApiServer,
  cases: readonly ValidationCase[],
): Promise<Outcome> {
  const spellings = new Map<string, number>();
  const disagreements: Disagreement[] = [];
  let apiAccepted = 0;
  for (const testCase of cases) {
    const api = await apiVerdict(server, testCase, spellings);
    if (api.accepted) apiAccepted++;
    const disagreement = compareVerdicts(testCase, api, pointsmanVerdict(testCase, spellings));
    if (disagreement) disagreements.push(disagreement);
  }
  return {
    cases: cases.length,
    apiAccepted,
    apiRefused: cases.length - apiAccepted,
    disagreements,
    spellings,
  };
}

describe('pointsman validation against a real kube-apiserver', { skip: REAL_API_SKIP }, () => {
  let server: RealApiServer;
  before(async () => {
    server = await startRealApiServer();
  });
  after(async () => {
    await server.close();
  });

  test('the corpus: same accept/refuse and same fields, but for the allowed differences', async (t) => {
    const cases = [...handWrittenCases(), ...generatedCases(SEED, GENERATED)];
    const ids = new Set(cases.map((testCase) => testCase.id));
    assert.equal(ids.size, cases.length, 'case ids are unique');
    const started = Date.now();
    const outcome = await runCorpus(server, cases);
    t.diagnostic(
      `${outcome.cases} cases (seed ${SEED}) in ${Date.now() - started} ms: API accepted ${outcome.apiAccepted}, refused ${outcome.apiRefused}`,
    );
    for (const [spelling, count] of outcome.spellings)
      t.diagnostic(`field written differently (${spelling}): ${count}`);

    const unexplained = outcome.disagreements.filter(
      (d) => !ALLOWED.some((entry) => entry.matches(d)),
    );
    const unused = ALLOWED.filter((entry) => !outcome.disagreements.some((d) => entry.matches(d)));
    for (const entry of ALLOWED) {
      const count = outcome.disagreements.filter((d) => entry.matches(d)).length;
      t.diagnostic(`allowed difference "${entry.id}" (${entry.reason}): ${count}`);
    }
    assert.deepEqual(
      unexplained.map(describeDisagreement),
      [],
      `disagreements with the API server (seed ${SEED}; rerun with POINTSMAN_VALIDATION_SEED=${SEED})`,
    );
    assert.deepEqual(
      unused.map((entry) => entry.id),
      [],
      'allowed differences that no case shows any more',
    );
    // Both halves of the corpus must be exercised, or agreeing would prove little.
    assert.ok(outcome.apiAccepted >= 100, `only ${outcome.apiAccepted} cases accepted`);
    assert.ok(outcome.apiRefused >= 100, `only ${outcome.apiRefused} cases refused`);
  });

  // Create and update are validated differently: ValidateIngressUpdate skips the check that the
  // class annotation matches spec.ingressClassName (and tolerates an invalid TLS secretName or
  // an invalid wildcard rule that the old object already had). pointsman sees each object
  // afresh, with no old version, so it always applies the create rules.
  test('an update may add a conflicting class annotation that a create may not', async () => {
    const name = 'update-check';
    const created = await server.request(
      'POST',
      '/apis/networking.k8s.io/v1/namespaces/default/ingresses',
      ingress({ ingressClassName: 'pointsman', defaultBackend: serviceBackend('web') }, { name }),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const stored = created.body as { metadata: Record<string, unknown> };
    const conflicting = {
      ...(created.body as object),
      metadata: { ...stored.metadata, annotations: { 'kubernetes.io/ingress.class': 'other' } },
    };
    const updated = await server.request(
      'PUT',
      `/apis/networking.k8s.io/v1/namespaces/default/ingresses/${name}?dryRun=All`,
      conflicting,
    );
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    const recreated = await server.request(
      'POST',
      '/apis/networking.k8s.io/v1/namespaces/default/ingresses?dryRun=All',
      {
        ...conflicting,
        metadata: { name, annotations: { 'kubernetes.io/ingress.class': 'other' } },
      },
    );
    assert.equal(recreated.status, 422, JSON.stringify(recreated.body));
    const ours = pointsmanVerdict({ id: name, kind: 'Ingress', object: conflicting }, new Map());
    assert.deepEqual(ours, { accepted: false, fields: ['metadata.annotations'] });
  });
});
