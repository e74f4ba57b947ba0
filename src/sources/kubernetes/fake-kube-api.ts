import type {
  KubeApi,
  KubeResource,
  ListOptions,
  ListResult,
  WatchEnd,
  WatchEvent,
  WatchHandle,
  WatchListener,
  WatchOptions,
} from './kube-api.ts';

/** A watch opened on {@link FakeKubeApi}, driven by the test. */
export interface FakeWatch {
  readonly resource: KubeResource;
  readonly namespace: string | null;
  readonly options: WatchOptions;
  readonly aborted: boolean;
  /** Delivers an event, as the server would. */
  send(event: WatchEvent): void;
  /** Ends the watch as the server would (clean close, or an error). */
  end(outcome: WatchEnd): void;
}

/**
 * An in-memory {@link KubeApi} for unit tests on a fake clock: each list is answered by the
 * next scripted answer, and each watch stays open until the test ends it.
 */
export class FakeKubeApi implements KubeApi {
  readonly server = 'fake://';
  /** Every list call, in order. */
  readonly lists: { resource: KubeResource; namespace: string | null; options: ListOptions }[] = [];
  /** Every watch, in order. */
  readonly watches: FakeWatch[] = [];
  readonly #answers: (() => ListResult)[] = [];

  /** Scripts the answer of a coming list: a result, or a function that throws. */
  answerList(answer: ListResult | (() => ListResult)): void {
    this.#answers.push(typeof answer === 'function' ? answer : () => answer);
  }

  list(resource: KubeResource, namespace: string | null, options: ListOptions = {}) {
    this.lists.push({ resource, namespace, options });
    const answer = this.#answers.shift();
    if (answer === undefined) return Promise.resolve({ items: [], resourceVersion: '1' });
    try {
      return Promise.resolve(answer());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  watch(
    resource: KubeResource,
    namespace: string | null,
    options: WatchOptions,
    onEvent: WatchListener,
  ): WatchHandle {
    let settle: (end: WatchEnd) => void = () => undefined;
    let over = false;
    const done = new Promise<WatchEnd>((resolve) => {
      settle = (end) => {
        if (over) return;
        over = true;
        resolve(end);
      };
    });
    const watch = {
      resource,
      namespace,
      options,
      aborted: false,
      send: (event: WatchEvent) => {
        if (!over) onEvent(event);
      },
      end: (outcome: WatchEnd) => {
        settle(outcome);
      },
    };
    this.watches.push(watch);
    return {
      done,
      abort: () => {
        watch.aborted = true;
        settle({ reason: 'aborted' });
      },
    };
  }
}
