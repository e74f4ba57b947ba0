import { readAccessLog } from './access-log-reader.ts';
import { readAffinity } from './affinity-reader.ts';
import { readBalancing } from './balancing-reader.ts';
import { readCanaryMisuse } from './canary-reader.ts';
import { readBasicAuth } from './basic-auth-reader.ts';
import { readClientCertificates } from './client-certificate-reader.ts';
import { readCors } from './cors-reader.ts';
import { readErrorPages } from './error-pages-reader.ts';
import { readExternalAuth } from './external-auth-reader.ts';
import { readNextUpstream } from './next-upstream-reader.ts';
import { readRedirect } from './redirect-reader.ts';
import { readSatisfy } from './satisfy-reader.ts';
import { readResponseRewrites } from './response-rewrite-reader.ts';
import type { PolicyReader } from './route-policies.ts';
import { readUpstreamLimits } from './upstream-limits-reader.ts';
import { readConfigurationSnippet } from './snippet-reader.ts';
import { readProxyHttpVersion } from './proxy-http-version-reader.ts';
import { readRateLimits } from './rate-limit-reader.ts';
import { readSourceRanges } from './source-range-reader.ts';
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
  readErrorPages,
  readAffinity,
  readProxyHttpVersion,
  readSatisfy,
  readBasicAuth,
  readClientCertificates,
  readCors,
  readExternalAuth,
  readSourceRanges,
  readRateLimits,
  readCanaryMisuse,
];
