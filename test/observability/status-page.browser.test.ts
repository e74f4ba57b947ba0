// The status page in a real browser (Debian's Chromium through playwright-core): it shows the
// live routes, the rejected Ingresses with their reasons, the traffic per Ingress and the
// certificates in use, the endpoints passive health took out of rotation, the live explain with
// each endpoint's health, searches each on the server, puts object text in the page as text only,
// runs under its Content-Security-Policy without a violation, and leaves a screenshot in
// test-artifacts/status-page.png.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { generateSelfSigned } from '../../src/dataplane/index.ts';
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
import { tlsSecret } from '../helpers/tls-certificates.ts';
import { closedPort } from '../helpers/closed-port.ts';

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

/** `ingress` served over HTTPS too with the Secret `secret`; plain HTTP is not redirected. */
function withTls(object: object, host: string, secret: string): object {
  const base = object as { metadata: object; spec: object };
  return {
    ...base,
    metadata: {
      ...base.metadata,
      annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' },
    },
    spec: { ...base.spec, tls: [{ hosts: [host], secretName: secret }] },
  };
}

const skip =
  !existsSync(CHROMIUM) && process.env['CI'] === undefined
    ? `${CHROMIUM} is missing (apt-get install chromium); CI runs this test`
    : false;

test(
  'the status page shows routes, problems, traffic, certificates and searches',
  { skip },
  async (t) => {
    const web = await startEchoUpstream('web');
    const api = await startEchoUpstream('api');
    // api's second endpoint refuses connections: passive health ejects it (the requests are
    // retried on the first, so the traffic below is all 200s).
    const refusing = await closedPort();
    const dir = await manifestDir();
    await writeManifests(join(dir, 'app.yaml'), [
      INGRESS_CLASS,
      withTls(
        ingress('shop', 'shop.example.com', { '/': 'web', '/api': 'api' }),
        'shop.example.com',
        'shop-tls',
      ),
      withTls(ingress('docs', 'docs.example.com', { '/': 'web' }), 'docs.example.com', 'docs-tls'),
      ingress('catch-all', null, { '/status': 'gone' }),
      rejected('typo', 'no-leading-slash'),
      rejected(HOSTILE_NAME, '/'),
      ...serviceWithEndpoints('web', [web.port]),
      ...serviceWithEndpoints('api', [api.port, refusing]),
      tlsSecret('shop-tls', generateSelfSigned({ dnsName: 'shop.example.com', days: 400 })),
      tlsSecret('docs-tls', generateSelfSigned({ dnsName: 'docs.example.com', days: 5 })),
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
    const response = await page.goto(`http://127.0.0.1:${String(serve.statusPort)}/`);
    assert.equal(response?.status(), 200);

    const routes = page.locator('#route-rows');
    await routes.getByText('shop.example.com').first().waitFor();
    assert.equal(await routes.locator('tr').count(), 4, 'four routes');
    assert.match(await routes.innerText(), /default\/shop/);
    assert.match(await routes.innerText(), /ServiceNotFound/, 'the route to a missing Service');

    // Upstream health: the refusing endpoint, ejected by connect failures (or on probation by
    // now, if this machine is slow: the first ejection lasts 10 s).
    const upstreams = page.locator('#upstream-rows');
    await upstreams.getByText(`127.0.0.1:${String(refusing)}`).waitFor();
    const upstreamText = await upstreams.innerText();
    assert.match(upstreamText, /default\/api:80/);
    assert.match(upstreamText, /\bconnect\b/);
    assert.match(upstreamText, /ejected|probation|probing/);
    // The live explain: which endpoints would take the request, and which are out.
    await page.locator('#explain-host').fill('shop.example.com');
    await page.locator('#explain-target').fill('/api/items');
    await page.locator('#explain-go').click();
    const explained = page.locator('#explain-result');
    await explained.getByText(`127.0.0.1:${String(api.port)}`).waitFor();
    const explainText = await explained.innerText();
    assert.match(explainText, new RegExp(`127\\.0\\.0\\.1:${String(api.port)}\\s+in-rotation`));
    assert.match(
      explainText,
      new RegExp(`127\\.0\\.0\\.1:${String(refusing)}\\s+(ejected|probation|probing)\\s+connect`),
    );

    const objects = page.locator('#obj-rows');
    await objects.getByText('default/typo').waitFor();
    const objectText = await objects.innerText();
    assert.match(objectText, /InvalidPath/);
    assert.match(objectText, /Rejected/);
    // The hostile name is shown as text, and nothing in it ran.
    assert.ok(objectText.includes(HOSTILE_NAME), objectText);
    assert.equal(await page.locator('#obj-rows img').count(), 0);
    assert.notEqual(await page.title(), '1');

    // Traffic: shop, docs, catch-all (its Service is missing) and the request no route matched.
    const traffic = page.locator('#traffic-rows');
    await traffic.getByText('default/shop').waitFor();
    await page.locator('#cards').getByText('Requests/s').waitFor();
    await rowsAre(page, '#traffic-rows', 4);
    assert.equal(await page.locator('#traffic-count').innerText(), '4 in all');
    assert.match(await traffic.innerText(), /no route matched/);
    await page.locator('#traffic-q').fill('DOCS');
    await rowsAre(page, '#traffic-rows', 1);
    assert.match(await traffic.innerText(), /default\/docs/);
    assert.equal(await page.locator('#traffic-count').innerText(), '1 match');
    await page.locator('#traffic-q').fill('no-such-ingress');
    await traffic.getByText('No Ingress with requests matches the search.').waitFor();
    await page.locator('#traffic-q').fill('');
    await rowsAre(page, '#traffic-rows', 4);

    // Certificates: soonest expiry first, searched on the server.
    const certificates = page.locator('#cert-rows');
    await certificates.getByText('default/docs-tls').waitFor();
    await rowsAre(page, '#cert-rows', 2);
    assert.match(await certificates.locator('tr').first().innerText(), /default\/docs-tls/);
    assert.match(await certificates.locator('tr').first().innerText(), /docs\.example\.com/);
    assert.equal(await page.locator('#cert-count').innerText(), '2 in all');
    assert.equal(await page.locator('#cert-page').innerText(), 'page 1 of 1');
    assert.equal(await page.locator('#cert-next').isDisabled(), true);
    await page.locator('#cert-q').fill('shop.example');
    await rowsAre(page, '#cert-rows', 1);
    assert.match(await certificates.innerText(), /default\/shop-tls/);
    assert.equal(await page.locator('#cert-count').innerText(), '1 of 2 match');
    await page.locator('#cert-q').fill('no-such-secret');
    await certificates.getByText('No certificate matches the search.').waitFor();
    await page.locator('#cert-q').fill('');
    await rowsAre(page, '#cert-rows', 2);

    await page.locator('#route-q').fill('docs');
    await rowsAre(page, '#route-rows', 1);
    assert.match(await routes.innerText(), /docs\.example\.com/);
    await page.locator('#route-q').fill('no-such-route');
    await routes.getByText('No route matches the search.').waitFor();
    await page.locator('#route-q').fill('');
    await rowsAre(page, '#route-rows', 4);

    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(problems, [], 'no script errors and no CSP violations');
  },
);

/** Waits (playwright's bounded wait) until the table body holds exactly `count` rows. */
async function rowsAre(page: Page, body: string, count: number): Promise<void> {
  const rows = page.locator(`${body} tr`);
  await rows.nth(count - 1).waitFor();
  await rows.nth(count).waitFor({ state: 'detached' });
}
