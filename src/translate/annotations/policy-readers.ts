import { readRedirect } from './redirect-reader.ts';
import type { PolicyReader } from './route-policies.ts';
import { readUpstreamRequest } from './upstream-request-reader.ts';

/**
 * The readers of the annotations that become route policies, in the order their results
 * merge. An annotation a reader honours is `honoured` in the catalogue (catalogue.ts); a test
 * keeps the two in step.
 */
export const POLICY_READERS: readonly PolicyReader[] = [readRedirect, readUpstreamRequest];
