// docs/annotations.md lists every annotation the translator reads, and nothing else; and its
// table of every ingress-nginx annotation is the catalogue the translator judges them by.
// `UPDATE_DOCS=1 node --test test/docs-annotations.test.ts` regenerates that table.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { format } from 'prettier';
import {
  BACKEND_PROTOCOL_ANNOTATIONS,
  FORCE_SSL_REDIRECT_ANNOTATIONS,
  LEGACY_CLASS_ANNOTATION,
  SSL_PASSTHROUGH_ANNOTATION,
  SSL_REDIRECT_ANNOTATIONS,
} from '../src/translate/index.ts';
import {
  FROM_TO_WWW_REDIRECT_ANNOTATION,
  SERVER_ALIAS_ANNOTATION,
  SERVICE_UPSTREAM_ANNOTATION,
  INGRESS_NGINX_ANNOTATIONS,
  REDIRECT_ANNOTATIONS,
  REWRITE_TARGET_ANNOTATION,
  UPSTREAM_REQUEST_ANNOTATIONS,
  UPSTREAM_LIMIT_ANNOTATIONS,
  NEXT_UPSTREAM_ANNOTATIONS,
  PROXY_SSL_ANNOTATIONS,
  ENABLE_ACCESS_LOG_ANNOTATION,
  BALANCING_ANNOTATIONS,
  CORS_ANNOTATIONS,
  ERROR_PAGES_ANNOTATIONS,
  CUSTOM_HEADERS_ANNOTATION,
  PROXY_HTTP_VERSION_ANNOTATION,
  RESPONSE_REWRITE_ANNOTATIONS,
  SNIPPET_ANNOTATIONS,
  USE_REGEX_ANNOTATION,
} from '../src/translate/annotations/index.ts';
import { DEFAULT_CLASS_ANNOTATION } from '../src/translate/validate/index.ts';

const DOC = 'docs/annotations.md';
const GENERATED_START = '<!-- generated from src/translate/annotations/catalogue.ts -->';
const GENERATED_END = '<!-- end of generated table -->';
const CATALOGUE_HEADING = '## Every ingress-nginx annotation';

const READ = [
  ...BACKEND_PROTOCOL_ANNOTATIONS,
  ...REDIRECT_ANNOTATIONS,
  ...UPSTREAM_REQUEST_ANNOTATIONS,
  ...SSL_REDIRECT_ANNOTATIONS,
  ...FORCE_SSL_REDIRECT_ANNOTATIONS,
  LEGACY_CLASS_ANNOTATION,
  DEFAULT_CLASS_ANNOTATION,
  SSL_PASSTHROUGH_ANNOTATION,
  USE_REGEX_ANNOTATION,
  REWRITE_TARGET_ANNOTATION,
  ...SNIPPET_ANNOTATIONS,
  ...RESPONSE_REWRITE_ANNOTATIONS,
  SERVER_ALIAS_ANNOTATION,
  FROM_TO_WWW_REDIRECT_ANNOTATION,
  SERVICE_UPSTREAM_ANNOTATION,
  ...UPSTREAM_LIMIT_ANNOTATIONS,
  ...NEXT_UPSTREAM_ANNOTATIONS,
  ...PROXY_SSL_ANNOTATIONS,
  ENABLE_ACCESS_LOG_ANNOTATION,
  ...BALANCING_ANNOTATIONS,
  ...ERROR_PAGES_ANNOTATIONS,
  ...CORS_ANNOTATIONS,
  CUSTOM_HEADERS_ANNOTATION,
  PROXY_HTTP_VERSION_ANNOTATION,
].sort();

const STATE_WORDS = {
  honoured: 'honoured',
  moot: 'moot',
  'fail-closed': 'fail closed',
  unsupported: 'unsupported',
} as const;

function catalogueRows(): string[][] {
  return [...INGRESS_NGINX_ANNOTATIONS.values()].map((entry) => [
    `\`${entry.name}\``,
    entry.group,
    STATE_WORDS[entry.support],
    entry.note,
  ]);
}

function tableCells(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

test('docs/annotations.md names exactly the annotations the code reads', async () => {
  const doc = await readFile(DOC, 'utf8');
  const readSection = doc.slice(0, doc.indexOf(CATALOGUE_HEADING));
  const documented = tableCells(readSection)
    .flatMap((row) => [...(row[0] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]))
    .sort();
  assert.deepEqual(documented, READ);
});

test('the table of every ingress-nginx annotation is the catalogue', async () => {
  const doc = await readFile(DOC, 'utf8');
  const start = doc.indexOf(GENERATED_START);
  const end = doc.indexOf(GENERATED_END);
  assert.ok(start > 0 && end > start, 'the generated-table markers are missing');
  const rows = catalogueRows();
  if (process.env['UPDATE_DOCS'] === '1') {
    const table = [
      '| annotation | group | state | what pointsman does |',
      '| --- | --- | --- | --- |',
      ...rows.map((row) => `| ${row.join(' | ')} |`),
    ].join('\n');
    const text = `${doc.slice(0, start + GENERATED_START.length)}\n\n${table}\n\n${doc.slice(end)}`;
    await writeFile(DOC, await format(text, { parser: 'markdown', filepath: DOC }));
    return;
  }
  assert.deepEqual(tableCells(doc.slice(start, end)), rows);
  // ingress-nginx v1.15.1's annotations-risk.md lists 136 annotations.
  assert.equal(rows.length, 136);
});
