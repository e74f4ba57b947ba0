/**
 * The two sides of the validation differential test: the real API server's answer to a
 * server-side dry run, and pointsman's own validator, each reduced to accepted or refused with
 * the fields blamed, written one way so that they can be compared.
 */
import { validateIngress, validateIngressClass } from '../../src/translate/validate/index.ts';
import type { KubeObject } from '../../src/objects/index.ts';
import type { RealApiServer } from './index.ts';
import type { ValidationCase } from './validation-corpus.ts';

/** Accepted, or refused with the fields blamed (null: refused before any field was checked). */
export type Verdict =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly fields: readonly string[] | null };

/** Where the two validators disagree on one case. */
export interface Disagreement {
  readonly case: ValidationCase;
  /** `verdict`: one accepts what the other refuses; `fields`: both refuse, blaming different fields. */
  readonly kind: 'verdict' | 'fields';
  readonly api: Verdict;
  readonly pointsman: Verdict;
}

/** The server-side dry run of creating the case's object. */
const DRY_RUN_PATHS = {
  Ingress: '/apis/networking.k8s.io/v1/namespaces/default/ingresses?dryRun=All',
  IngressClass: '/apis/networking.k8s.io/v1/ingressclasses?dryRun=All',
} as const;

/**
 * Field paths that the two sides write differently for the same field, each rewritten to one
 * form (and counted, so that the test can report them). Neither side is wrong: these are
 * spellings, not disagreements.
 */
export const FIELD_SPELLINGS: readonly {
  readonly id: string;
  readonly side: 'api' | 'pointsman';
  readonly pattern: RegExp;
  readonly replacement: string;
}[] = [
  {
    // pointsman names the offending key (`metadata.annotations[a b]`); the API server blames the
    // whole map and puts the key in the message.
    id: 'map key in brackets',
    side: 'pointsman',
    pattern: /^(metadata\.(?:annotations|labels))\[.*\]$/s,
    replacement: '$1',
  },
  {
    // ValidateIngressCreate builds the class-conflict path as `annotations.<key>`, without
    // `metadata.` (networking/validation.go); pointsman writes the annotation's full path.
    id: 'class conflict without metadata.',
    side: 'api',
    pattern: /^annotations\.kubernetes\.io\/ingress\.class$/,
    replacement: 'metadata.annotations',
  },
];

function respell(side: 'api' | 'pointsman', field: string, used: Map<string, number>): string {
  for (const spelling of FIELD_SPELLINGS) {
    if (spelling.side !== side || !spelling.pattern.test(field)) continue;
    used.set(spelling.id, (used.get(spelling.id) ?? 0) + 1);
    return field.replace(spelling.pattern, spelling.replacement);
  }
  return field;
}

function fieldSet(fields: readonly string[]): string[] {
  return [...new Set(fields)].sort();
}

interface StatusBody {
  readonly details?: { readonly causes?: readonly { readonly field?: string }[] };
}

/**
 * Sends the case to the API server as a dry-run create. 201 is accepted; 422 refused with the
 * causes' fields; 400 refused while decoding (a value of the wrong JSON type), with no fields.
 * Anything else is a broken test, and throws.
 */
export async function apiVerdict(
  server: RealApiServer,
  testCase: ValidationCase,
  spellings: Map<string, number>,
): Promise<Verdict> {
  const reply = await server.request('POST', DRY_RUN_PATHS[testCase.kind], testCase.object);
  if (reply.status === 201) return { accepted: true };
  if (reply.status === 400) return { accepted: false, fields: null };
  if (reply.status !== 422) {
    throw new Error(`${testCase.id}: unexpected ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
  const causes = (reply.body as StatusBody).details?.causes ?? [];
  const fields = causes.map((cause) => respell('api', cause.field ?? '', spellings));
  return { accepted: false, fields: fieldSet(fields) };
}

/** pointsman's validator on the same object. */
export function pointsmanVerdict(
  testCase: ValidationCase,
  spellings: Map<string, number>,
): Verdict {
  const object = testCase.object as unknown as KubeObject;
  const result =
    testCase.kind === 'Ingress' ? validateIngress(object) : validateIngressClass(object);
  if (result.ok) return { accepted: true };
  const fields = result.problems.map((problem) =>
    respell('pointsman', problem.field ?? '', spellings),
  );
  return { accepted: false, fields: fieldSet(fields) };
}

/** The disagreement between the two verdicts, or null when they agree. */
export function compareVerdicts(
  testCase: ValidationCase,
  api: Verdict,
  pointsman: Verdict,
): Disagreement | null {
  if (api.accepted !== pointsman.accepted)
    return { case: testCase, kind: 'verdict', api, pointsman };
  if (api.accepted || pointsman.accepted || api.fields === null) return null;
  const same =
    pointsman.fields !== null &&
    api.fields.length === pointsman.fields.length &&
    api.fields.every((field, index) => field === pointsman.fields?.[index]);
  return same ? null : { case: testCase, kind: 'fields', api, pointsman };
}

/** One line for a failure message. */
export function describeDisagreement(disagreement: Disagreement): string {
  const show = (verdict: Verdict): string =>
    verdict.accepted ? 'accepted' : `refused ${JSON.stringify(verdict.fields)}`;
  return `${disagreement.case.id}: API ${show(disagreement.api)}, pointsman ${show(disagreement.pointsman)}`;
}
