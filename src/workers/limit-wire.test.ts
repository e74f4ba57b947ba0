import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineReader, MAX_LIMIT_LINE, parseQuestion } from './limit-wire.ts';

const CLIENT = [4, 2130706433, 0, 0, 0];

test('the three questions are read as they are written', () => {
  assert.deepEqual(parseQuestion(JSON.stringify([7, 'take', CLIENT, [['ns/a\0rps', 10, 50]]])), [
    7,
    'take',
    CLIENT,
    [['ns/a\0rps', 10, 50]],
  ]);
  assert.deepEqual(parseQuestion(JSON.stringify([8, 'hold', CLIENT, 'ns/a\0conn', 3])), [
    8,
    'hold',
    CLIENT,
    'ns/a\0conn',
    3,
  ]);
  assert.deepEqual(parseQuestion('[0,"free",12]'), [0, 'free', 12]);
});

test('anything else is refused with the reason', () => {
  const cases: [string, string][] = [
    ['{', 'not JSON'],
    ['{"id":1}', 'not an array'],
    ['[0,"take",[0,0,0,0,0],[["z",1,1]]]', 'the id is not a positive integer'],
    ['[1.5,"take",[0,0,0,0,0],[["z",1,1]]]', 'the id is not a positive integer'],
    ['[1,"take",[0,0,0,0],[["z",1,1]]]', 'the client is not five 32-bit integers'],
    ['[1,"take",[0,0,0,0,4294967296],[["z",1,1]]]', 'the client is not five 32-bit integers'],
    ['[1,"take",[0,0,0,0,0],[]]', 'a take counts in 1 to 8 zones'],
    [
      JSON.stringify([1, 'take', CLIENT, Array(9).fill(['z', 1, 1])]),
      'a take counts in 1 to 8 zones',
    ],
    ['[1,"take",[0,0,0,0,0],[["z",-1,1]]]', 'a zone is [name, perSecond, burst]'],
    ['[1,"take",[0,0,0,0,0],[["",1,1]]]', 'a zone is [name, perSecond, burst]'],
    [
      JSON.stringify([1, 'take', CLIENT, [['z'.repeat(1025), 1, 1]]]),
      'a zone is [name, perSecond, burst]',
    ],
    ['[1,"take",[0,0,0,0,0],[["z",1,1]],"extra"]', 'a take is [id, "take", client, zones]'],
    ['[1,"hold",[0,0,0,0,0],"z",0]', 'a hold is [id, "hold", client, zone, limit]'],
    ['[1,"hold",[0,0,0,0,0],"z"]', 'a hold is [id, "hold", client, zone, limit]'],
    ['[1,"free",3]', 'a free is [0, "free", hold]'],
    ['[0,"free",-3]', 'a free is [0, "free", hold]'],
    ['[1,"drop",[0,0,0,0,0]]', 'unknown operation'],
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
