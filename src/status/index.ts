/**
 * The status room: leader election on a Lease, `status.loadBalancer` on the Ingresses we serve,
 * and Events for the rejected ones. Only the leader writes.
 */
import type {
  ClientNodeStatusClientOptions,
  StatusConnection,
} from './client-node-status-client.ts';
import type { StatusClient } from './status-client.ts';

export {
  StatusApiError,
  type EventBump,
  type EventRecord,
  type IngressState,
  type InvolvedObject,
  type Lease,
  type LeaseSpec,
  type LoadBalancerAddress,
  type StatusApiErrorReason,
  type StatusClient,
} from './status-client.ts';
export type {
  ClientNodeStatusClientOptions,
  StatusConnection,
} from './client-node-status-client.ts';
export {
  addressesOfService,
  canonicalAddresses,
  parseStatusAddresses,
  sameAddresses,
  type AddressSource,
} from './addresses.ts';
export {
  checkElectionTimings,
  ELECTION_DEFAULTS,
  LeaderElector,
  microTime,
  type LeaderElectorOptions,
} from './leader-election.ts';
export {
  STATUS_WRITER_DEFAULTS,
  StatusWriter,
  type StatusWriterOptions,
  type StatusWriterStats,
  type WriteOutcome,
} from './status-writer.ts';
export { EventRecorder, type EventNotice, type EventRecorderOptions } from './event-recorder.ts';
export { ingressOutcomes, type IngressOutcomes, type RebuildOutcome } from './ingress-outcomes.ts';
export {
  startStatus,
  type ElectionSettings,
  type RebuildFeed,
  type RunningStatus,
  type StartStatusOptions,
  type StatusSettings,
} from './start-status.ts';
export {
  podNamespace,
  replicaIdentity,
  SERVICE_ACCOUNT_NAMESPACE_PATH,
  type IdentityInputs,
} from './identity.ts';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.ts';
export {
  DEFAULT_WRITE_RATE,
  defaultBurstFor,
  MAX_WRITE_RATE,
  workersFor,
  type WriteRate,
} from './write-rate.ts';
export { WorkQueue, type WorkQueueOptions } from './work-queue.ts';
export { FakeStatusClient, type FakeEvent } from './fake-status-client.ts';

/**
 * Creates the {@link StatusClient} over `@kubernetes/client-node`, importing the client only now
 * (it takes about a second to load). Rejects when the kubeconfig or service account cannot be
 * read. The Kubernetes source's `KubeConnection` can be passed as it is.
 */
export async function connectStatusClient(
  connection: StatusConnection,
  options: ClientNodeStatusClientOptions = {},
): Promise<StatusClient> {
  const { createClientNodeStatusClient } = await import('./client-node-status-client.ts');
  return createClientNodeStatusClient(connection, options);
}
