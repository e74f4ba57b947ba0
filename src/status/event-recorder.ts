import { randomBytes } from 'node:crypto';
import type { EventRecord, InvolvedObject, StatusClient } from './status-client.ts';

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  readonly client: Pick<StatusClient, 'createEvent' | 'patchEvent'>;
  /** `source.component` and `reportingComponent` of every Event. */
  readonly component: string;
  /** `reportingInstance`: this replica. */
  readonly instance: string;
  /** Wall-clock milliseconds. Default `Date.now`. */
  readonly wallClock?: () => number;
  /** Distinct Events remembered for deduplication (oldest forgotten first). Default 4096. */
  readonly cacheSize?: number;
}

/** One Event to record. */
export interface EventNotice {
  readonly involved: InvolvedObject;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

interface Recorded {
  readonly namespace: string;
  readonly name: string;
  count: number;
}

/** Longest Event message written; the rest is cut (events.k8s.io caps notes at 1 kB). */
const MAX_MESSAGE = 1024;

/** RFC 3339 in whole seconds, as core/v1 Event timestamps are. */
export function wholeSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Records core/v1 Events, deduplicated as client-go's recorder does: an Event equal to one
 * already recorded (same object, type, reason and message) bumps that Event's `count` and
 * `lastTimestamp` with a merge patch instead of creating another object.
 */
export class EventRecorder {
  readonly #options: EventRecorderOptions;
  readonly #wallClock: () => number;
  readonly #cacheSize: number;
  readonly #recorded = new Map<string, Recorded>();

  constructor(options: EventRecorderOptions) {
    this.#options = options;
    this.#wallClock = options.wallClock ?? Date.now;
    this.#cacheSize = options.cacheSize ?? 4096;
  }

  /** Creates the Event, or bumps the count of the equal one recorded before. */
  async record(notice: EventNotice): Promise<void> {
    const message = truncate(notice.message);
    const { involved } = notice;
    const key = JSON.stringify([
      involved.namespace,
      involved.name,
      involved.uid,
      notice.type,
      notice.reason,
      message,
    ]);
    const now = wholeSeconds(this.#wallClock());
    const seen = this.#recorded.get(key);
    if (seen !== undefined) {
      try {
        await this.#options.client.patchEvent(seen.namespace, seen.name, {
          count: seen.count + 1,
          lastTimestamp: now,
        });
        seen.count += 1;
        this.#touch(key, seen);
        return;
      } catch (error) {
        // Events expire (an hour by default); a vanished one is recorded anew.
        if (!isNotFound(error)) throw error;
        this.#recorded.delete(key);
      }
    }
    const event: EventRecord = {
      namespace: involved.namespace,
      name: eventName(involved.name, this.#wallClock()),
      type: notice.type,
      reason: notice.reason,
      message,
      involvedObject: involved,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      component: this.#options.component,
      instance: this.#options.instance,
    };
    await this.#options.client.createEvent(event);
    this.#touch(key, { namespace: event.namespace, name: event.name, count: 1 });
  }

  #touch(key: string, recorded: Recorded): void {
    this.#recorded.delete(key);
    this.#recorded.set(key, recorded);
    while (this.#recorded.size > this.#cacheSize) {
      const oldest = this.#recorded.keys().next().value;
      if (oldest === undefined) break;
      this.#recorded.delete(oldest);
    }
  }
}

function truncate(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 3)}...`;
}

/** `<object>.<hex time><hex random>`, like client-go's names, kept within 253 characters. */
function eventName(objectName: string, ms: number): string {
  const suffix = `${Math.floor(ms).toString(16)}${randomBytes(3).toString('hex')}`;
  const base = objectName.slice(0, 253 - suffix.length - 1).replace(/[-.]+$/, '');
  return `${base}.${suffix}`;
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'status' in error && error.status === 404;
}
