import { UsageError } from './io.ts';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration flag (`500ms`, `5s`, `2m`, `1h`, or a bare number of seconds) into
 * milliseconds. Anything else is a usage error naming the flag.
 */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const amount = match?.[1];
  if (amount === undefined) {
    throw new UsageError(
      `--${flag} must be a duration such as 500ms, 5s or 2m, not ${JSON.stringify(value)}`,
    );
  }
  const ms = Number(amount) * (UNITS[match?.[2] ?? 's'] ?? 1000);
  if (!Number.isSafeInteger(Math.round(ms))) throw new UsageError(`--${flag} is too large`);
  return Math.round(ms);
}

/** Parses a flag that must be a whole number within bounds. */
export function parseInteger(flag: string, value: string, min: number, max: number): number {
  const number = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(
      `--${flag} must be a whole number from ${String(min)} to ${String(max)}, not ${JSON.stringify(value)}`,
    );
  }
  return number;
}
