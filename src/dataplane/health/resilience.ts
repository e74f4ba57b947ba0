import type { Logger } from '../../observability/index.ts';
import { EndpointHealth, type HealthEvent } from './endpoint-health.ts';
import {
  outlierSettingsProblems,
  retryBudgetProblems,
  type OutlierSettings,
  type RetryBudgetSettings,
} from './outlier-settings.ts';
import { RetryBudget } from './retry-budget.ts';

/**
 * What keeps failing endpoints from costing requests: passive health (outlier ejection) and the
 * retry budget. One per process, shared by every listener, so that a Pod that failed HTTPS
 * requests is avoided by plain HTTP ones too.
 */
export interface Resilience {
  readonly health: EndpointHealth;
  readonly budget: RetryBudget;
}

/** Options of {@link createResilience}; defaults for what is absent. */
export interface ResilienceOptions {
  readonly outlier?: OutlierSettings;
  readonly retryBudget?: RetryBudgetSettings;
  /** Where ejections and returns are logged, one line each. */
  readonly logger: Logger;
  /** Also told about each ejection and return (metrics). */
  readonly onEvent?: (event: HealthEvent) => void;
}

/**
 * Passive health and retry budget with the given settings, logging each ejection and return.
 * Throws a RangeError naming every problem when the settings are invalid.
 */
export function createResilience(options: ResilienceOptions): Resilience {
  const problems = [
    ...(options.outlier === undefined ? [] : outlierSettingsProblems(options.outlier)),
    ...(options.retryBudget === undefined ? [] : retryBudgetProblems(options.retryBudget)),
  ];
  if (problems.length > 0) {
    throw new RangeError(`invalid resilience settings: ${problems.join('; ')}`);
  }
  const logger = options.logger.child({ component: 'upstream-health' });
  const onEvent = options.onEvent;
  return {
    health: new EndpointHealth({
      ...(options.outlier === undefined ? {} : { settings: options.outlier }),
      onEvent: (event) => {
        logHealthEvent(logger, event);
        onEvent?.(event);
      },
    }),
    budget: new RetryBudget(
      options.retryBudget === undefined ? {} : { settings: options.retryBudget },
    ),
  };
}

function logHealthEvent(logger: Logger, event: HealthEvent): void {
  const { endpoint, backend, ejections } = event;
  if (event.type === 'returned') {
    logger.info({ endpoint, backend, ejections }, 'endpoint returned to rotation');
    return;
  }
  const seconds = Math.round(event.forMs / 100) / 10;
  logger.warn({ endpoint, backend, reason: event.reason, seconds, ejections }, 'endpoint ejected');
}
