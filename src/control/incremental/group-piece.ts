import type {
  AccessMaterials,
  Backend,
  Certificates,
  DefaultRoute,
  HostRoutes,
  ObjectResult,
  PassthroughHost,
  TlsHost,
  UpstreamTlsMaterials,
} from '../../ir/index.ts';
import type { ObjectRef, StoredObject } from '../../objects/index.ts';
import type { LastGoodTranslation } from '../last-good.ts';
import { objectKey } from './snapshot-diff.ts';

/** What one group of Ingresses contributes to the table and the results. */
export interface GroupPiece {
  /** The Ingresses of the group, by `namespace/name`. */
  readonly members: readonly string[];
  /** Keys (`namespace/name`) of the objects its translation read or may read. */
  readonly references: ReadonlySet<string>;
  readonly hosts: readonly HostRoutes[];
  /** The default route an Ingress of the group gives; null when none does. */
  readonly defaultBackend: DefaultRoute | null;
  readonly backends: readonly Backend[];
  readonly tls: readonly TlsHost[];
  readonly passthrough: readonly PassthroughHost[];
  /** Results of its Ingresses. */
  readonly ingressResults: readonly ObjectResult[];
  /** Results of other objects where they differ from their result without any Ingress. */
  readonly usage: ReadonlyMap<string, ObjectResult>;
  readonly servingLastGood: readonly ObjectRef[];
  readonly served: ReadonlyMap<string, StoredObject>;
  readonly certificates: Certificates;
  readonly upstreamTls: UpstreamTlsMaterials;
  readonly access: AccessMaterials;
}

/**
 * Cuts a group's translation into its piece: its Ingresses' results, and of the other objects
 * only the results its Ingresses changed (`baseline` gives the result without any Ingress).
 */
export function pieceOf(
  members: readonly string[],
  references: ReadonlySet<string>,
  translation: LastGoodTranslation,
  baseline: (key: string) => ObjectResult | undefined,
): GroupPiece {
  const ingressResults: ObjectResult[] = [];
  const usage = new Map<string, ObjectResult>();
  for (const result of translation.results) {
    if (result.kind === 'Ingress') ingressResults.push(result);
    else if (result.kind !== 'IngressClass') {
      const key = objectKey(result);
      if (!sameResult(result, baseline(key))) usage.set(key, result);
    }
  }
  const { table } = translation;
  return {
    members,
    references,
    hosts: table.hosts,
    defaultBackend: table.defaultBackend?.global === true ? null : table.defaultBackend,
    backends: table.backends,
    tls: table.tls,
    passthrough: table.passthrough ?? [],
    ingressResults,
    usage,
    servingLastGood: translation.servingLastGood,
    served: translation.served,
    certificates: translation.certificates,
    upstreamTls: translation.upstreamTls,
    access: translation.access,
  };
}

/** Whether two results say the same. */
export function sameResult(a: ObjectResult, b: ObjectResult | undefined): boolean {
  return b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
