/**
 * Resolves with the first of the signals received. A second signal while shutting down ends the
 * process at once (exit 130), for the operator who does not want to wait for the grace period.
 */
export function untilSignal(signals: readonly NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const name of signals) process.off(name, onSignal);
      for (const name of signals) process.once(name, () => process.exit(130));
      resolve(signal);
    };
    for (const name of signals) process.on(name, onSignal);
  });
}
