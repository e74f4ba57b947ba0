import { startEchoPod, type EchoPod } from './echo-pod.ts';
import type { DemoPod } from './pods-of-slices.ts';

/**
 * Starts an echo Pod for each demo Pod, each on its own loopback address. With `port` given,
 * every Pod listens on that port instead of the manifests' one; with `port` 0 the first Pod
 * picks a free port and the others take the same one on their own addresses (so one
 * EndpointSlice port still describes them all). On failure everything started is closed.
 */
export async function startPods(
  pods: readonly DemoPod[],
  port: number | undefined,
): Promise<{ pods: EchoPod[]; port: number | undefined }> {
  const started: EchoPod[] = [];
  let chosen = port;
  try {
    for (const pod of pods) {
      const echo = await startEchoPod(pod, pod.address, chosen ?? pod.port);
      if (chosen === 0) chosen = echo.address.port;
      started.push(echo);
    }
  } catch (error) {
    await Promise.all(started.map((pod) => pod.close()));
    throw error;
  }
  return { pods: started, port: chosen };
}
