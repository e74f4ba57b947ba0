// The status page in a real browser (Debian's Chromium through playwright-core): it shows the
// live routes and the rejected Ingresses with their reasons, searches on the server, puts object
// text in the page as text only, runs under its Content-Security-Policy without a violation,
// and leaves a screenshot in test-artifacts/status-page.png.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { startEchoUpstream } from '../helpers/echo-upstream.ts';
import { send } from '../helpers/http-client.ts';
import {
  INGRESS_CLASS,
  ingress,
  manifestDir,
  serviceWithEndpoints,
  writeManifests,
} from '../helpers/manifests.ts';
import { startServeProcess } from '../helpers/serve-process.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = new URL('../../test-artifacts/status-page.png', import.meta.url).pathname;
const HOSTILE_NAME = '<img src=x onerror="document.title=1">';

function rejected(name: string, path: string): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default' },
    spec: {
      rules: [
        {
          host: 'typo.example.com',
          http: {
            paths: [
              {
                path,
                pathType: 'Prefix',
                backend: { service: { name: 'web', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

const skip =
  !existsSync(CHROMIUM) && process.env['CI'] === undefined
    ? `${CHROMIUM} is missing (apt-get install chromium); CI runs this test`
    : false;

test('the status page shows routes, rejected Ingresses and search results', { skip }, async (t) => {
  const web = await startEchoUpstream('web');
  const api = await startEchoUpstream('api');
  const dir = await manifestDir();
  await writeManifests(join(dir, 'app.yaml'), [
    INGRESS_CLASS,
    ingress('shop', 'shop.example.com', { '/': 'web', '/api': 'api' }),
    ingress('docs', 'docs.example.com', { '/': 'web' }),
    ingress('catch-all', null, { '/status': 'gone' }),
    rejected('typo', 'no-leading-slash'),
    rejected(HOSTILE_NAME, '/'),
    ...serviceWithEndpoints('web', [web.port]),
    ...serviceWithEndpoints('api', [api.port]),
  ]);
  const serve = await startServeProcess('serve', ['--manifests', dir, '--access-log', 'off']);
  t.after(async () => {
    await serve.stop();
    await Promise.all([web.close(), api.close()]);
  });
  for (let i = 0; i < 40; i++) {
    const host = i % 4 === 3 ? 'docs.example.com' : 'shop.example.com';
    await send(serve.httpPort, { headers: { host }, path: i % 2 === 0 ? '/' : '/api/items' });
  }
  for (let i = 0; i < 4; i++)
    await send(serve.httpPort, { headers: { host: 'x' }, path: '/status' });
  await send(serve.httpPort, { headers: { host: 'nowhere.example.com' } });

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  const response = await page.goto(`http://127.0.0.1:${String(serve.adminPort)}/`);
  assert.equal(response?.status(), 200);

  const routes = page.locator('#route-rows');
  await routes.getByText('shop.example.com').first().waitFor();
  assert.equal(await routes.locator('tr').count(), 4, 'four routes');
  assert.match(await routes.innerText(), /default\/shop/);
  assert.match(await routes.innerText(), /ServiceNotFound/, 'the route to a missing Service');

  const objects = page.locator('#obj-rows');
  await objects.getByText('default/typo').waitFor();
  const objectText = await objects.innerText();
  assert.match(objectText, /InvalidPath/);
  assert.match(objectText, /Rejected/);
  // The hostile name is shown as text, and nothing in it ran.
  assert.ok(objectText.includes(HOSTILE_NAME), objectText);
  assert.equal(await page.locator('#obj-rows img').count(), 0);
  assert.notEqual(await page.title(), '1');

  await page.locator('#traffic-rows').getByText('default/shop').waitFor();
  await page.locator('#cards').getByText('Requests/s').waitFor();

  await page.locator('#route-q').fill('docs');
  await waitForRows(page, 1);
  assert.match(await routes.innerText(), /docs\.example\.com/);
  await page.locator('#route-q').fill('no-such-route');
  await routes.getByText('No route matches the search.').waitFor();
  await page.locator('#route-q').fill('');
  await waitForRows(page, 4);

  await mkdir(join(SCREENSHOT, '..'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.deepEqual(problems, [], 'no script errors and no CSP violations');
});

async function waitForRows(page: Page, count: number): Promise<void> {
  const rows = page.locator('#route-rows tr');
  await rows.nth(count - 1).waitFor();
  await rows.nth(count).waitFor({ state: 'detached' });
}
