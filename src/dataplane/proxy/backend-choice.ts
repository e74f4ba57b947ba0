import type { IncomingMessage } from 'node:http';
import type { Backend } from '../../ir/index.ts';
import type { Balancer } from '../balancer/index.ts';
import type { CompiledTable } from '../compile/index.ts';
import { chooseBackend } from './canary-choice.ts';
import type { Routed } from './route-request.ts';
import { stickyBackendOf } from './sticky-session.ts';

/**
 * The backend a routed request (or WebSocket upgrade) goes to, after the gates and before an
 * endpoint is picked: a stand-in backend (default-backend) as it is, since ingress-nginx looks
 * at a canary only when the main backend has endpoints; else the side of the canary a session
 * cookie is sticky to (affinity-canary-behavior), else the canary's rules (canary-choice.ts).
 */
export function backendFor(
  balancer: Balancer,
  routed: Extract<Routed, { kind: 'proxy' }>,
  table: CompiledTable,
  req: IncomingMessage,
): Backend {
  if (routed.standsInFor !== undefined) return routed.backend;
  const { route, backend } = routed;
  return (
    stickyBackendOf(balancer, route, backend, table, req.headers.cookie) ??
    chooseBackend(route, backend, req.rawHeaders, table)
  );
}
