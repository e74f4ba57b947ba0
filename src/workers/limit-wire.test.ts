import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  admitLine,
  holdLine,
  LineReader,
  MAX_LIMIT_LINE,
  parseAnswer,
  parseQuestion,
  REFUSED_HOLD,
  REFUSED_RATE,
} from './limit-wire.ts';

const CLIENT = [4, 2130706433, 0, 0, 0];

test('the questions are read as they are written, and as the worker writes them', () => {
  const client = Int32Array.from(CLIENT);
  const zones = [{ name: 'ns/a\0rps', perSecond: 10, burst: 50 }];
  assert.deepEqual(parseQuestion(admitLine(7, client, zones, { zone: 'ns/a\0conn', limit: 3 })), [
    7,
    'admit',
    CLIENT,
    [['ns/a\0rps', 10, 50]],
    ['ns/a\0conn', 3],
  ]);
  assert.deepEqual(parseQuestion(admitLine(8, client, zones, null)), [
    8,
    'admit',
    CLIENT,
    [['ns/a\0rps', 10, 50]],
    null,
  ]);
  assert.deepEqual(parseQuestion(admitLine(9, client, [], { zone: 'z', limit: 1 })), [
    9,
    'admit',
    CLIENT,
    [],
    ['z', 1],
  ]);
  assert.deepEqual(parseQuestion(holdLine(10, client, 'ns/a\0conn', 3)), [
    10,
    'hold',
    CLIENT,
    'ns/a\0conn',
    3,
  ]);
  assert.deepEqual(parseQuestion('[0,"free",12]'), [0, 'free', 12]);
  // A zone name is JSON-escaped: quotes and newlines cannot break the line.
  const odd = admitLine(11, client, [{ name: 'a"\n]b', perSecond: 1, burst: 1 }], null);
  assert.ok(!odd.includes('\n'));
  assert.deepEqual(parseQuestion(odd), [11, 'admit', CLIENT, [['a"\n]b', 1, 1]], null]);
});

test('answers: an id and a value from -2 up; anything else is null', () => {
  assert.deepEqual(parseAnswer('[3,0]'), [3, 0]);
  assert.deepEqual(parseAnswer('[3,-1]'), [3, REFUSED_RATE]);
  assert.deepEqual(parseAnswer('[3,-2]'), [3, REFUSED_HOLD]);
  assert.deepEqual(parseAnswer('[4,17]'), [4, 17]);
  for (const bad of ['[0,1]', '[3,-3]', '[3,1.5]', '[3]', '3,1', '[x,1]', '[3,1', '']) {
    assert.equal(parseAnswer(bad), null, bad);
  }
});

test('anything else is refused with the reason', () => {
  const cases: [string, string][] = [
    ['{', 'not JSON'],
    ['{"id":1}', 'not an array'],
    ['[0,"admit",[0,0,0,0,0],[["z",1,1]],null]', 'the id is not a positive integer'],
    ['[1.5,"admit",[0,0,0,0,0],[["z",1,1]],null]', 'the id is not a positive integer'],
    ['[1,"admit",[0,0,0,0],[["z",1,1]],null]', 'the client is not five 32-bit integers'],
    ['[1,"admit",[0,0,0,0,4294967296],[["z",1,1]],null]', 'the client is not five 32-bit integers'],
    ['[1,"admit",[0,0,0,0,0],[],null]', 'an admit asks for a zone or a hold'],
    [
      JSON.stringify([1, 'admit', CLIENT, Array(9).fill(['z', 1, 1]), null]),
      'an admit counts in at most 8 zones',
    ],
    ['[1,"admit",[0,0,0,0,0],[["z",-1,1]],null]', 'a zone is [name, perSecond, burst]'],
    ['[1,"admit",[0,0,0,0,0],[["",1,1]],null]', 'a zone is [name, perSecond, burst]'],
    [
      JSON.stringify([1, 'admit', CLIENT, [['z'.repeat(1025), 1, 1]], null]),
      'a zone is [name, perSecond, burst]',
    ],
    ['[1,"admit",[0,0,0,0,0],[["z",1,1]]]', 'an admit is [id, "admit", client, zones, hold]'],
    ['[1,"admit",[0,0,0,0,0],[],["z",0]]', 'a hold of an admit is [zone, limit] or null'],
    ['[1,"admit",[0,0,0,0,0],[],"z"]', 'a hold of an admit is [zone, limit] or null'],
    ['[1,"hold",[0,0,0,0,0],"z",0]', 'a hold is [id, "hold", client, zone, limit]'],
    ['[1,"hold",[0,0,0,0,0],"z"]', 'a hold is [id, "hold", client, zone, limit]'],
    ['[1,"free",3]', 'a free is [0, "free", slot]'],
    ['[0,"free",-3]', 'a free is [0, "free", slot]'],
    ['[1,"take",[0,0,0,0,0]]', 'unknown operation'],
  ];
  for (const [line, problem] of cases) assert.equal(parseQuestion(line), problem, line);
});

test('LineReader: lines across chunks, several in one chunk', () => {
  const lines: string[] = [];
  const reader = new LineReader(
    (line) => lines.push(line),
    () => assert.fail('no overflow'),
  );
  reader.push('[1,');
  reader.push('1]\n[2,0]\n[3');
  reader.push(',1]\n');
  assert.deepEqual(lines, ['[1,1]', '[2,0]', '[3,1]']);
});

test('LineReader: a line over the bound stops reading, whole or still arriving', () => {
  for (const chunks of [
    [`${'x'.repeat(MAX_LIMIT_LINE + 1)}\n[1,1]\n`],
    ['x'.repeat(MAX_LIMIT_LINE), 'xx', '\n[1,1]\n'],
  ]) {
    const lines: string[] = [];
    let overflows = 0;
    const reader = new LineReader(
      (line) => lines.push(line),
      () => overflows++,
    );
    for (const chunk of chunks) reader.push(chunk);
    assert.equal(overflows, 1);
    assert.deepEqual(lines, []);
  }
  const lines: string[] = [];
  const reader = new LineReader(
    (line) => lines.push(line),
    () => assert.fail('a line of exactly the bound is read'),
  );
  reader.push(`${'y'.repeat(MAX_LIMIT_LINE)}\n`);
  assert.equal(lines[0]?.length, MAX_LIMIT_LINE);
});
