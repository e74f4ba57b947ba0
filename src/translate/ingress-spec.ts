import type { DeclaredPathType, Problem } from '../ir/index.ts';

/** A backend as an Ingress declares it, after validation. */
export type BackendSpec =
  | { readonly type: 'service'; readonly name: string; readonly port: number | string }
  | {
      readonly type: 'resource';
      readonly apiGroup: string;
      readonly kind: string;
      readonly name: string;
    };

/** One `spec.rules[].http.paths[]` entry, after validation. */
export interface PathSpec {
  /** As written; `''` only for ImplementationSpecific. */
  readonly path: string;
  readonly pathType: DeclaredPathType;
  readonly backend: BackendSpec;
}

/** One `spec.rules[]` entry, after validation. */
export interface RuleSpec {
  /** Lower-case host as written (`*.example.com` for wildcards), null when the rule has none. */
  readonly host: string | null;
  /** Empty when the rule has no `http` section. */
  readonly paths: readonly PathSpec[];
}

/** One `spec.tls[]` entry, after validation. */
export interface TlsSpec {
  readonly hosts: readonly string[];
  /** null when the entry names no Secret. */
  readonly secretName: string | null;
}

/** An Ingress that passed every API-server validation rule, in a typed form. */
export interface IngressSpec {
  readonly ingressClassName: string | null;
  /** Only string-valued annotations; a non-string value is a validation error. */
  readonly annotations: Readonly<Record<string, string>>;
  readonly defaultBackend: BackendSpec | null;
  readonly rules: readonly RuleSpec[];
  readonly tls: readonly TlsSpec[];
}

/** The result of validating an Ingress: the typed spec, or every problem found. */
export type IngressValidation =
  | { readonly ok: true; readonly spec: IngressSpec }
  | { readonly ok: false; readonly problems: readonly Problem[] };
