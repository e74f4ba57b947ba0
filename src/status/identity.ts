import { randomBytes } from 'node:crypto';

/** Where a Pod's service account names its namespace. */
export const SERVICE_ACCOUNT_NAMESPACE_PATH =
  '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** What the defaults are read from; injectable for tests. */
export interface IdentityInputs {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The file's text, or undefined when it cannot be read. */
  readonly readFile: (path: string) => string | undefined;
  readonly hostname: () => string;
  readonly random?: () => string;
}

/**
 * The namespace this replica runs in: `POD_NAMESPACE` (the downward API), else the service
 * account's namespace file, else `default`.
 */
export function podNamespace(inputs: IdentityInputs): string {
  const fromEnv = inputs.env['POD_NAMESPACE']?.trim() ?? '';
  if (fromEnv !== '') return fromEnv;
  const fromFile = inputs.readFile(SERVICE_ACCOUNT_NAMESPACE_PATH)?.trim() ?? '';
  return fromFile === '' ? 'default' : fromFile;
}

/**
 * This replica's name in the Lease: `POD_NAME` (unique among running Pods), else the host name
 * with a random suffix, so two processes on one host never share an identity.
 */
export function replicaIdentity(inputs: IdentityInputs): string {
  const pod = inputs.env['POD_NAME']?.trim() ?? '';
  if (pod !== '') return pod;
  const suffix = inputs.random?.() ?? randomBytes(4).toString('hex');
  return `${inputs.hostname()}_${suffix}`;
}
