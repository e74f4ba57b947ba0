import type { KubeObject } from '../../objects/index.ts';
import {
  isRecord,
  own,
  quote,
  readRecord,
  readString,
  report,
  wrongType,
  type JsonRecord,
  type ProblemSink,
} from './json-fields.ts';
import {
  dns1123LabelError,
  dns1123SubdomainError,
  labelValueError,
  qualifiedNameError,
} from './names.ts';

/** The API server's limit on the summed length of all annotation keys and values, in bytes. */
export const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

/** Options for {@link validateMetadata}. */
export interface MetadataOptions {
  /** Whether the kind lives in a namespace (then a given namespace must be a DNS-1123 label). */
  readonly namespaced: boolean;
}

/**
 * Applies the API server's ObjectMeta rules for a kind whose names are DNS-1123 subdomains:
 * name, namespace, label and annotation syntax, and the total annotation size. Returns the
 * annotations that are strings, for the caller's own checks.
 */
export function validateMetadata(
  object: KubeObject,
  options: MetadataOptions,
  sink: ProblemSink,
): Readonly<Record<string, string>> {
  const metadata: unknown = own(object, 'metadata');
  if (!isRecord(metadata)) {
    wrongType(sink, 'metadata', 'an object', metadata);
    return {};
  }
  validateName(metadata, sink);
  // The source fills in a missing namespace, as kubectl does; and the API server silently
  // clears the namespace of cluster-scoped kinds, so it is only checked for namespaced ones.
  const namespace = readString(metadata, 'namespace', 'metadata.namespace', sink);
  if (options.namespaced && typeof namespace === 'string' && namespace !== '') {
    const error = dns1123LabelError(namespace);
    if (error !== null) {
      report(sink, 'InvalidName', 'metadata.namespace', `${quote(namespace)}: ${error}`);
    }
  }
  validateLabels(metadata, sink);
  return validateAnnotations(metadata, sink);
}

function validateName(metadata: JsonRecord, sink: ProblemSink): void {
  const name = readString(metadata, 'name', 'metadata.name', sink);
  if (name === undefined) return;
  if (name === null || name === '') {
    report(sink, 'InvalidName', 'metadata.name', 'name is required');
    return;
  }
  const error = dns1123SubdomainError(name);
  if (error !== null) report(sink, 'InvalidName', 'metadata.name', `${quote(name)}: ${error}`);
}

// Labels take the InvalidAnnotation code: they are the other free-form metadata map, and no
// code of their own exists.
function validateLabels(metadata: JsonRecord, sink: ProblemSink): void {
  const labels = readRecord(metadata, 'labels', 'metadata.labels', sink);
  if (!labels) return;
  for (const [key, raw] of Object.entries(labels)) {
    const field = `metadata.labels[${key}]`;
    const value = nullAsEmpty(raw);
    const keyError = qualifiedNameError(key);
    if (keyError !== null) {
      report(sink, 'InvalidAnnotation', field, `label key ${quote(key)}: ${keyError}`);
    }
    if (typeof value !== 'string') {
      report(sink, 'InvalidAnnotation', field, 'label value must be a string');
      continue;
    }
    const valueError = labelValueError(value);
    if (valueError !== null) {
      report(sink, 'InvalidAnnotation', field, `label value ${quote(value)}: ${valueError}`);
    }
  }
}

function validateAnnotations(
  metadata: JsonRecord,
  sink: ProblemSink,
): Readonly<Record<string, string>> {
  const annotations = readRecord(metadata, 'annotations', 'metadata.annotations', sink);
  const strings: Record<string, string> = {};
  if (!annotations) return strings;
  let size = 0;
  for (const [key, raw] of Object.entries(annotations)) {
    const field = `metadata.annotations[${key}]`;
    const value = nullAsEmpty(raw);
    // The API server checks keys case-insensitively: upper case is allowed in annotation keys.
    const keyError = qualifiedNameError(key.toLowerCase());
    if (keyError !== null) {
      report(sink, 'InvalidAnnotation', field, `annotation key ${quote(key)}: ${keyError}`);
    }
    if (typeof value !== 'string') {
      report(sink, 'InvalidAnnotation', field, 'annotation value must be a string (quote it)');
      continue;
    }
    size += utf8Length(key) + utf8Length(value);
    Object.defineProperty(strings, key, { value, enumerable: true, writable: true });
  }
  if (size > ANNOTATIONS_SIZE_LIMIT) {
    report(
      sink,
      'InvalidAnnotation',
      'metadata.annotations',
      `annotations total ${size} bytes, more than the limit of ${ANNOTATIONS_SIZE_LIMIT}`,
    );
  }
  return strings;
}

/**
 * A label or annotation value of `null` (what YAML gives for `key:` with no value) is the empty
 * string, as the API server decodes it into its string map.
 */
function nullAsEmpty(value: unknown): unknown {
  return value === null ? '' : value;
}

/** Bytes of the UTF-8 encoding, the unit of Kubernetes' size limits. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
