/**
 * A fake Kubernetes API server for tests: see README.md for what it implements and what it
 * simplifies.
 */
export { startFakeApiServer } from './server.ts';
export type { FakeApiServer, FakeApiServerOptions } from './server.ts';
export type { FakeObject, ListOptions, ObjectRef } from './direct-access.ts';
export type { RequestInfo, RequestMatcher, RequestRecord } from './hooks.ts';
export { FakeApiError } from './status.ts';
export type { KubeStatus } from './status.ts';
export { RESOURCE_TYPES } from './resources.ts';
export type { ResourceType } from './resources.ts';
