import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { migratesQueuedConnections } from './migrate-requests.ts';

test('tcp_migrate_req: 1 is on, 0 is off, anything else or no file is unknown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pointsman-migrate-'));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  assert.equal(migratesQueuedConnections(file('on', '1\n')), true);
  assert.equal(migratesQueuedConnections(file('off', '0\n')), false);
  assert.equal(migratesQueuedConnections(file('odd', 'yes\n')), null);
  assert.equal(migratesQueuedConnections(join(dir, 'missing')), null);
});
