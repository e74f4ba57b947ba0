export { startEchoPod, type EchoPod, type EchoPodIdentity } from './echo-pod.ts';
export { podsOfSlices, withPort, type DemoPod } from './pods-of-slices.ts';
export { startPods } from './start-pods.ts';
