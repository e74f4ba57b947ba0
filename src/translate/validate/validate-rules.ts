import type { DeclaredPathType } from '../../ir/index.ts';
import type { PathSpec, RuleSpec } from '../ingress-spec.ts';
import {
  mapItems,
  own,
  quote,
  readArray,
  readItem,
  readRecord,
  readString,
  report,
  type JsonRecord,
  type ProblemSink,
} from './json-fields.ts';
import { ruleHostError } from './names.ts';
import { validateBackend } from './validate-backend.ts';

const PATH_TYPES: readonly string[] = ['Exact', 'Prefix', 'ImplementationSpecific'];
// Sequences the API server refuses in Exact and Prefix paths: they would let a client
// reach another path after normalisation (path traversal, encoded slashes).
const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_SUFFIXES = ['/..', '/.'];

/**
 * Applies the API server's rules to `spec.rules`: each host a DNS-1123 subdomain or a wildcard
 * one, never an IP address; an `http` section with at least one path; each path with a
 * supported pathType, a path valid for it and a valid backend. Returns the typed rules (null
 * entries where a rule had problems).
 */
export function validateRules(
  rules: readonly unknown[],
  field: string,
  sink: ProblemSink,
): (RuleSpec | null)[] {
  return mapItems(rules, (rule, index) => validateRule(rule, `${field}[${index}]`, sink));
}

function validateRule(item: unknown, field: string, sink: ProblemSink): RuleSpec | null {
  const value = readItem(item, field, sink);
  if (value === null) return null;
  const host = readString(value, 'host', `${field}.host`, sink);
  if (host) {
    const error = ruleHostError(host);
    if (error !== null) report(sink, 'InvalidHost', `${field}.host`, `${quote(host)}: ${error}`);
  }
  const http = readRecord(value, 'http', `${field}.http`, sink);
  const paths = http ? validateHttp(http, `${field}.http`, sink) : [];
  return {
    host: host === '' || host === undefined ? null : host,
    paths: paths.filter((path) => path !== null),
  };
}

function validateHttp(http: JsonRecord, field: string, sink: ProblemSink): (PathSpec | null)[] {
  const paths = readArray(http, 'paths', `${field}.paths`, sink);
  if (paths === undefined) return [];
  if (paths === null || paths.length === 0) {
    report(sink, 'MissingPaths', `${field}.paths`, 'an http rule needs at least one path');
    return [];
  }
  return mapItems(paths, (path, index) => validatePath(path, `${field}.paths[${index}]`, sink));
}

function validatePath(item: unknown, field: string, sink: ProblemSink): PathSpec | null {
  const value = readItem(item, field, sink);
  if (value === null) return null;
  const before = sink.length;
  const path = readString(value, 'path', `${field}.path`, sink);
  const pathType = readPathType(value, `${field}.pathType`, sink);
  if (pathType !== null && path !== undefined) {
    checkPath(path ?? '', pathType, `${field}.path`, sink);
  }
  // The API server stops at a missing pathType; the backend is still checked here so that one
  // pass reports everything wrong with the path.
  const backend = validateBackend(own(value, 'backend'), `${field}.backend`, sink);
  if (pathType === null || backend === null || sink.length !== before) return null;
  return { path: path ?? '', pathType, backend };
}

function readPathType(path: JsonRecord, field: string, sink: ProblemSink): DeclaredPathType | null {
  const pathType = readString(path, 'pathType', field, sink);
  if (pathType === undefined) return null;
  if (pathType === null) {
    report(sink, 'MissingPathType', field, 'pathType must be specified');
    return null;
  }
  if (!isDeclaredPathType(pathType)) {
    const supported = PATH_TYPES.join(', ');
    report(sink, 'InvalidPathType', field, `${quote(pathType)}: must be one of ${supported}`);
    return null;
  }
  return pathType;
}

function isDeclaredPathType(value: string): value is DeclaredPathType {
  return PATH_TYPES.includes(value);
}

/**
 * Exact and Prefix paths must be absolute and free of traversal; an ImplementationSpecific
 * path may be empty, and otherwise only needs to be absolute.
 */
function checkPath(
  path: string,
  pathType: DeclaredPathType,
  field: string,
  sink: ProblemSink,
): void {
  const invalid = (reason: string): void => {
    report(sink, 'InvalidPath', field, `${quote(path)}: ${reason} (pathType ${pathType})`);
  };
  if (pathType === 'ImplementationSpecific') {
    if (path !== '' && !path.startsWith('/')) invalid('must be an absolute path');
    return;
  }
  if (!path.startsWith('/')) invalid('must be an absolute path');
  for (const sequence of INVALID_SEQUENCES) {
    if (path.includes(sequence)) invalid(`must not contain '${sequence}'`);
  }
  for (const suffix of INVALID_SUFFIXES) {
    if (path.endsWith(suffix)) invalid(`cannot end with '${suffix}'`);
  }
}
