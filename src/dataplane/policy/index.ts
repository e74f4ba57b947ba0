export { ACCESS_GATES } from './access-gates.ts';
export { needsGates } from './needs-gates.ts';
export {
  PASS,
  type Gate,
  type GateRequest,
  type GateVerdict,
  type Grant,
  type HeaderPair,
} from './gate.ts';
export {
  ADMITTED,
  LocalLimits,
  REFUSED_BY_CONNECTIONS,
  REFUSED_BY_RATE,
  type Admission,
  type HoldRequest,
  type LimitCounter,
  type LimitRelease,
  type NamedZone,
} from './limit-counter.ts';
export { PolicyState } from './policy-state.ts';
export { runGates, mergeGrants, type GatesOutcome } from './run-gates.ts';
