import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestRecord } from '../dataplane/index.ts';
import { LineRelay } from './line-relay.ts';
import { TrafficRelay } from './traffic-relay.ts';

test('the line relay sends whole lines in batches: at the size bound, or after the delay', async () => {
  const sent: string[] = [];
  const relay = new LineRelay((text) => sent.push(text), { maxBytes: 10, flushMs: 20 });
  relay.write('abcd\n');
  assert.deepEqual(sent, [], 'held below the bound');
  relay.write('efghij\n');
  assert.deepEqual(sent, ['abcd\nefghij\n'], 'sent at the bound');
  relay.write('k\n');
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(sent, ['abcd\nefghij\n', 'k\n'], 'sent after the delay');
  relay.flush();
  assert.equal(sent.length, 2, 'nothing held, nothing sent');
});

test('the traffic relay counts per Ingress and status, and starts over after each drain', () => {
  const relay = new TrafficRelay();
  // The relay reads these three fields of a record only.
  const record = (name: string, status: number): RequestRecord =>
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    ({ ingressNamespace: 'default', ingressName: name, status }) as RequestRecord;
  relay.onRequestEnd(record('a', 200));
  relay.onRequestEnd(record('a', 200));
  relay.onRequestEnd(record('a', 503));
  relay.onRequestEnd(record('b', 200));
  assert.deepEqual(relay.drain(), [
    ['default', 'a', 200, 2],
    ['default', 'a', 503, 1],
    ['default', 'b', 200, 1],
  ]);
  assert.deepEqual(relay.drain(), []);
});
