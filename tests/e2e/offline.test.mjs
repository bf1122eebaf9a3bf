// No network at all: the phone opened Tournée once, then the server is gone (a car park, a
// reload in a dead zone). The service worker starts the app from its copy, the day is planned
// on the phone from the last data, a record opens from the phone's replica, and a screen never
// opened says so instead of failing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixture, login, shots, eventually, startServer } from './helpers.mjs';

const use = fixture();

test('the app starts and plans the day with the server unreachable, once opened online', async () => {
  const { server, page, errors } = use();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'julien.bernard@demo.tournee.fr');
  await page.getByRole('heading', { name: "Aujourd'hui" }).waitFor();
  // The worker is installed (the app and its main screens kept); from the next page on, it
  // serves the app.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.goto(`${server.url}/plan`);
  await page.getByRole('list', { name: 'Itinéraire' }).locator('li.stop.fixed').first().waitFor();
  assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the worker controls the page');

  const known = await page.request.get(`${server.url}/api/v1/contacts?limit=1`).then((r) => r.json());
  const record = known.items[0];
  await eventually(async () => /À jour/.test(await page.locator('.syncline').innerText().catch(() => '')), 'the replica is synced', 20000);

  // The server is gone: no answer at all, not even a refusal page.
  server.kill();
  await eventually(async () => { try { await fetch(server.url); return false; } catch { return true; } }, 'the server is down');

  const plan = await page.goto(`${server.url}/plan`);
  assert.ok(plan.fromServiceWorker(), 'the page comes from the phone');
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByText('Hors ligne : journée calculée sur le téléphone').waitFor();
  assert.equal(await page.getByRole('list', { name: 'Itinéraire' }).locator('li.stop.fixed').count(), 4);
  await page.screenshot({ path: join(shots, '26-offline-start.png') });

  // A screen kept at install though never opened, and moving between screens.
  await page.goto(`${server.url}/tasks`);
  await page.getByRole('heading', { name: 'Tâches' }).waitFor();
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByRole('link', { name: "Aujourd'hui" }).first().click();
  await page.waitForURL(`${server.url}/`);

  // A deep link to a record never opened on this phone: its frame comes from the service
  // worker, its data from the replica.
  const opened = await page.goto(`${server.url}/contacts/${record.id}`);
  assert.ok(opened.fromServiceWorker(), 'the record page comes from the phone');
  await page.getByRole('heading', { name: record.display_name }).first().waitFor();
  await page.getByText('Hors ligne').first().waitFor();
  // One that is not on the phone either: a readable notice, not the browser's error page.
  await page.goto(`${server.url}/contacts/0190a0a0-0000-7000-8000-000000000000`);
  await page.getByText("ce dossier n'est pas sur ce téléphone").waitFor();
  // A screen of a kind never opened at all: the worker's notice.
  const stats = await page.goto(`${server.url}/reports`);
  assert.equal(stats.status(), 503);
  await page.getByRole('heading', { name: 'Hors ligne' }).waitFor();

  const real = errors.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_FAILED|Failed to fetch|NetworkError|503/.test(e));
  assert.deepEqual(real, []);
});

test('the app can be installed on a phone: manifest, icons and service worker pass Chromium\'s checks', async () => {
  const { browser } = use();
  const server = await startServer();
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR' });
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await page.goto(`${server.url}/login`);
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, [], 'the manifest parses');
    const parsed = JSON.parse(manifest.data);
    assert.equal(parsed.display, 'standalone');
    assert.ok(parsed.icons.some((i) => i.purpose === 'maskable'), 'a maskable icon');
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    // A test browser context is an incognito profile, which Chromium never installs apps
    // from: that one reason is about the test, every other would be about the app.
    const about = installabilityErrors.filter((e) => e.errorId !== 'in-incognito');
    assert.deepEqual(about, [], 'Chromium finds the app installable');
    for (const icon of parsed.icons) {
      const r = await page.request.get(`${server.url}${icon.src}`);
      assert.equal(r.status(), 200, icon.src);
      assert.equal(r.headers()['content-type'], 'image/png');
    }
    await context.close();
  } finally {
    server.stop();
  }
});
