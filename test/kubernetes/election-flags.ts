/**
 * Short leader-election timings for tests: a Lease is taken in about 0.2 s and a handover
 * takes about a second, not the fifteen of the defaults.
 */
export const FAST_ELECTION_FLAGS: readonly string[] = [
  '--lease-duration',
  '2s',
  '--renew-deadline',
  '1500ms',
  '--retry-period',
  '200ms',
];
