import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { templateText } from '../../ir/index.ts';
import { parseNginxVariables } from './nginx-variables.ts';

test('text and variables, in both notations, names in lower case', () => {
  assert.deepEqual(parseNginxVariables('https://$Host${request_uri}x'), {
    ok: true,
    parts: [{ text: 'https://' }, { variable: 'host' }, { variable: 'request_uri' }, { text: 'x' }],
  });
  assert.deepEqual(parseNginxVariables('/plain'), { ok: true, parts: [{ text: '/plain' }] });
  assert.deepEqual(parseNginxVariables(''), { ok: true, parts: [] });
});

test('every supported variable, and the header and argument families', () => {
  const names = ['scheme', 'host', 'http_host', 'request_uri', 'uri', 'args', 'query_string'];
  names.push('is_args', 'server_port', 'request_method', 'remote_addr', 'http_x_tenant', 'arg_id');
  for (const name of names) {
    assert.deepEqual(parseNginxVariables(`/$${name}/`), {
      ok: true,
      parts: [{ text: '/' }, { variable: name }, { text: '/' }],
    });
  }
});

test('unknown variables, captures and malformed references are refused, naming them', () => {
  const refused: [string, RegExp][] = [
    ['/$document_root', /\$document_root is not supported/],
    ['/$http_', /\$http_ is not supported/],
    ['/$1/x', /regex captures such as \$1/],
    ['/${2}', /regex captures such as \$2/],
    ['/a$', /a \$ must be followed by a variable name/],
    ['/$/b', /a \$ must be followed/],
    ['/${host', /closed by \}/],
    ['/${}', /closed by \}/],
    ['/${ho-st}', /closed by \}/],
  ];
  for (const [value, reason] of refused) {
    const parsed = parseNginxVariables(value);
    assert.equal(parsed.ok, false, value);
    assert.match(parsed.reason, reason);
  }
});

test('fuzz: never throws, parts are bounded, and an accepted value reads back the same', () => {
  fc.assert(
    fc.property(
      fc.string({
        unit: fc.constantFrom(...'$${}_aAhost_rqui:/?&1 \r\n'.split('')),
        maxLength: 60,
      }),
      (value) => {
        const parsed = parseNginxVariables(value);
        if (!parsed.ok) return;
        assert.ok(parsed.parts.length <= value.length);
        const again = parseNginxVariables(templateText(parsed.parts));
        assert.deepEqual(again, parsed);
      },
    ),
    { numRuns: 2000 },
  );
});
