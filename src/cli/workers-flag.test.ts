// `serve --workers`: a count, or auto, which is also the default.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultWorkerCount } from '../workers/index.ts';
import { UsageError } from './io.ts';
import { serveFlagsHelp, serveSettingsFrom } from './serve-command.ts';

const DEFAULTS = { bind: '0.0.0.0', adminBind: '0.0.0.0', httpPort: 8080, adminPort: 10254 };
const workersOf = (values: Parameters<typeof serveSettingsFrom>[0]): number =>
  serveSettingsFrom(values, DEFAULTS).workers;

test('without --workers, one worker per usable CPU (auto)', () => {
  assert.equal(workersOf({}), defaultWorkerCount());
  assert.equal(workersOf({ workers: 'auto' }), defaultWorkerCount());
  assert.match(serveFlagsHelp(DEFAULTS), /\(default: auto; docs\/workers\.md\)/);
});

test('--workers N: 1 to 256; anything else is a usage error naming the flag', () => {
  assert.equal(workersOf({ workers: '1' }), 1);
  assert.equal(workersOf({ workers: '256' }), 256);
  for (const bad of ['0', '257', '1.5', 'all', '']) {
    assert.throws(
      () => workersOf({ workers: bad }),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /--workers/);
        return true;
      },
    );
  }
});
