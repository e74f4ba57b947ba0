export { systemClock, type Clock, type TimerHandle } from './clock.ts';
export { FakeClock } from './fake-clock.ts';
export {
  Debouncer,
  DEFAULT_HOLD_OFF_MS,
  DEFAULT_MAX_WAIT_MS,
  type DebounceOptions,
  type DebouncedRun,
} from './debouncer.ts';
export {
  ObjectStore,
  type ObjectStoreOptions,
  type ChangeListener,
  type ChangeNotice,
} from './object-store.ts';
