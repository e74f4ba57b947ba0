/**
 * A real etcd and kube-apiserver (built from their Go modules by test/k8s-bins/build.sh) for
 * tests: RBAC, token authentication, the API's own validation and watch semantics.
 */
export {
  CAN_BUILD,
  REAL_API_SKIP,
  builtModule,
  kubernetesBinaries,
  type KubernetesBinaries,
} from './binaries.ts';
export {
  startRealApiServer,
  type ApiReply,
  type RealApiServer,
  type RealApiServerOptions,
} from './server.ts';
export { ADMIN_USER } from './pki.ts';
