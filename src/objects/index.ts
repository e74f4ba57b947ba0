export * from './types.ts';
export { snapshotOf, EMPTY_SNAPSHOT } from './snapshot.ts';
