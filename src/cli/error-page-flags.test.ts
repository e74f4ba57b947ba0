import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorPageOptionsFrom } from './error-page-flags.ts';
import { UsageError } from './io.ts';

test('--default-backend-service NAMESPACE/NAME and --custom-http-errors CODES', () => {
  assert.deepEqual(errorPageOptionsFrom({}), {});
  assert.deepEqual(
    errorPageOptionsFrom({
      'default-backend-service': 'infra/fallback',
      'custom-http-errors': '503, 404',
    }),
    {
      defaultBackendService: { namespace: 'infra', name: 'fallback' },
      customHttpErrors: [404, 503],
    },
  );
  assert.deepEqual(errorPageOptionsFrom({ 'custom-http-errors': '' }), {});
});

test('bad values are usage errors', () => {
  for (const service of [
    'fallback',
    'infra/',
    '/fallback',
    'a/b/c',
    'Infra/fallback',
    'infra/9x',
  ]) {
    assert.throws(
      () => errorPageOptionsFrom({ 'default-backend-service': service }),
      (error: unknown) => error instanceof UsageError && /NAMESPACE\/NAME/.test(error.message),
      service,
    );
  }
  assert.throws(
    () => errorPageOptionsFrom({ 'custom-http-errors': '302' }),
    (error: unknown) => error instanceof UsageError && /"302"/.test(error.message),
  );
});
