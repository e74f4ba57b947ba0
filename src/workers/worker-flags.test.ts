import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WORKER_SEMI_SPACE_MIB, workerExecArgv } from './worker-flags.ts';

const DEFAULT_FLAG = `--max-semi-space-size=${String(WORKER_SEMI_SPACE_MIB)}`;

test("a worker gets the smaller semi-space after the control plane's own options", () => {
  assert.deepEqual(workerExecArgv([], undefined), [DEFAULT_FLAG]);
  assert.deepEqual(workerExecArgv(['--enable-source-maps'], '--trace-warnings'), [
    '--enable-source-maps',
    DEFAULT_FLAG,
  ]);
  // A flag with a similar name is not the operator's choice of semi-space.
  assert.deepEqual(workerExecArgv(['--max-semi-space-size-x=1'], undefined), [
    '--max-semi-space-size-x=1',
    DEFAULT_FLAG,
  ]);
});

test("the operator's semi-space, on the command line or in NODE_OPTIONS, is kept", () => {
  assert.deepEqual(workerExecArgv(['--max-semi-space-size=32'], undefined), [
    '--max-semi-space-size=32',
  ]);
  assert.deepEqual(workerExecArgv(['--max-semi-space-size', '32'], undefined), [
    '--max-semi-space-size',
    '32',
  ]);
  assert.deepEqual(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=2'), []);
});
