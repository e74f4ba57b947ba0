// Every relative link in the README and docs/ points at a file of the repository, and every
// `#anchor` at a heading of that file: docs that drift from the tree fail here.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..');
const PAGES = [
  join(ROOT, 'README.md'),
  join(ROOT, 'bench', 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name)),
];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(path: string): Set<string> {
  const headings = readFileSync(path, 'utf8').match(/^#{1,6} .*$/gm) ?? [];
  return new Set(headings.map((line) => anchorOf(line.replace(/^#+ /, ''))));
}

test('relative links in the docs name files and headings that exist', () => {
  const broken: string[] = [];
  let links = 0;
  for (const page of PAGES) {
    const text = readFileSync(page, 'utf8');
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z]+:/.test(target)) continue;
      links++;
      const [file = '', anchor] = target.split('#');
      const path = file === '' ? page : join(dirname(page), file);
      const where = `${relative(ROOT, page)} -> ${target}`;
      if (!existsSync(path)) broken.push(`${where}: no such file`);
      else if (anchor !== undefined && path.endsWith('.md') && !anchorsOf(path).has(anchor)) {
        broken.push(`${where}: no such heading`);
      }
    }
  }
  assert.ok(links > 20, `only ${String(links)} links found: the pattern is off`);
  assert.deepEqual(broken, []);
});
