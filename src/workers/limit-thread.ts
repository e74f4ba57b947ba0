// The thread of the control plane that runs the shared limit service (limit-service.ts): its
// own event loop, so that a rebuild on the control plane's thread never holds up an answer.
import { parentPort, workerData } from 'node:worker_threads';
import { LimitService } from './limit-service.ts';

/** What the thread is started with. */
export interface LimitThreadData {
  readonly path: string;
  readonly token: string;
}

/** What the thread tells the control plane. */
export type LimitThreadMessage =
  { readonly type: 'listening' } | { readonly type: 'problem'; readonly problem: string };

const data = workerData as LimitThreadData;
const tell = (message: LimitThreadMessage): void => {
  parentPort?.postMessage(message);
};
const service = new LimitService({
  token: data.token,
  onProblem: (problem) => {
    tell({ type: 'problem', problem });
  },
});
// A failure to listen throws out of the thread: the host sees its `error` event.
await service.listen(data.path);
tell({ type: 'listening' });
