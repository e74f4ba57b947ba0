export {
  EndpointHealth,
  type EndpointHealthEntry,
  type EndpointHealthOptions,
  type FailureKind,
  type HealthEvent,
} from './endpoint-health.ts';
export { failureKindOf } from './failure-kind.ts';
export { RetryBudget, type RetryBudgetOptions } from './retry-budget.ts';
export { createResilience, type Resilience, type ResilienceOptions } from './resilience.ts';
export {
  DEFAULT_OUTLIER_SETTINGS,
  DEFAULT_RETRY_BUDGET,
  outlierSettingsProblems,
  retryBudgetProblems,
  type OutlierSettings,
  type RetryBudgetSettings,
} from './outlier-settings.ts';
