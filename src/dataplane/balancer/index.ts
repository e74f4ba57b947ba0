export type { Balancer } from './balancer.ts';
export { RoundRobin } from './round-robin.ts';
