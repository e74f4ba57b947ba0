export * from './types.ts';
export { snapshotOf, EMPTY_SNAPSHOT, FIELD_BY_KIND } from './snapshot.ts';
