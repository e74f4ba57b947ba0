export type { Balancer } from './balancer.ts';
export { RoundRobin } from './round-robin.ts';
export { PolicyBalancer, type PolicyBalancerOptions } from './policy-balancer.ts';
export { StickySessions, type StickyMode, type StickySession } from './sticky-sessions.ts';
