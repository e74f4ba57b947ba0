import { readAccessLog } from './access-log-reader.ts';
import { readBalancing } from './balancing-reader.ts';
import { readNextUpstream } from './next-upstream-reader.ts';
import { readRedirect } from './redirect-reader.ts';
import { readResponseRewrites } from './response-rewrite-reader.ts';
import type { PolicyReader } from './route-policies.ts';
import { readUpstreamLimits } from './upstream-limits-reader.ts';
import { readConfigurationSnippet } from './snippet-reader.ts';
import { readProxyHttpVersion } from './proxy-http-version-reader.ts';
import { readUpstreamRequest } from './upstream-request-reader.ts';

/**
 * The readers of the annotations that become route policies, in the order their results
 * merge. An annotation a reader honours is `honoured` in the catalogue (catalogue.ts); a test
 * keeps the two in step. The configuration-snippet goes first: an annotation that sets the same
 * policy (a redirect, the upstream Host, the body limit) wins over the snippet.
 */
export const POLICY_READERS: readonly PolicyReader[] = [
  readConfigurationSnippet,
  readRedirect,
  readUpstreamRequest,
  readUpstreamLimits,
  readNextUpstream,
  readAccessLog,
  readResponseRewrites,
  readBalancing,
  readProxyHttpVersion,
];
