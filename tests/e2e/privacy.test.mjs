// Erasure on request at 360 × 740: an advisor's phone holds one of their records (it finds it
// with the network cut); the manager hands the person everything held on them, then erases
// them from the record's screen; at its next sync the advisor's phone no longer has them —
// not even offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixture, login, shots, eventually } from './helpers.mjs';

const use = fixture();

async function api(page, path) {
  const r = await page.request.get(`${new URL(page.url()).origin}/api/v1${path}`);
  assert.equal(r.status(), 200, `GET ${path}`);
  return r.json();
}

async function synced(page, what = 'the sync') {
  await eventually(async () => {
    const line = page.locator('.syncline');
    if ((await line.count()) === 0) return false;
    return (await line.getAttribute('data-state')) === 'online'
      && Number(await line.getAttribute('data-pending')) === 0
      && (await line.innerText()).trim().startsWith('À jour');
  }, what, 20000);
}

/** Searches the contact list with the network cut: whether the record shows. */
async function foundOffline(page, context, url, name, id) {
  await context.setOffline(true);
  await page.goto(`${url}/contacts`);
  await page.waitForSelector('html[data-hydrated]');
  await page.getByRole('searchbox').fill(name);
  let shown = false;
  await eventually(async () => {
    shown = (await page.locator(`a[href="/contacts/${id}"]`).count()) > 0;
    const empty = (await page.getByText('Aucun contact ne correspond.').count()) > 0;
    return shown || empty;
  }, `the offline search for ${name}`, 10000);
  await context.setOffline(false);
  return shown;
}

test('a person erased by the manager disappears from the advisor\'s phone at its next sync', async () => {
  const { server, page, context, browser, errors } = use();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'julien.bernard@demo.tournee.fr');
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.goto(`${server.url}/`);
  await synced(page, 'the first sync');
  const me = await api(page, '/auth/me');
  const mine = (await api(page, `/contacts?owner=${me.user_id}&limit=50`)).items;
  const person = await api(page, `/contacts/${mine[0].id}`);
  const name = `${person.last_name} ${person.first_name}`;
  assert.ok(await foundOffline(page, context, server.url, name, person.id), 'on the phone before');

  // The manager, on a laptop.
  const laptop = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const claire = await laptop.newPage();
  await claire.goto(`${server.url}/login`);
  await login(claire, server.url, 'claire.martin@demo.tournee.fr');
  await claire.goto(`${server.url}/contacts/${person.id}`);
  await claire.waitForSelector('html[data-hydrated]');
  const rights = claire.getByRole('region', { name: 'Données personnelles' });
  await rights.waitFor();
  // Everything held on the person, as one file.
  const [download] = await Promise.all([
    claire.waitForEvent('download'),
    rights.getByRole('link', { name: 'Tout ce que nous détenons (JSON)' }).click(),
  ]);
  const held = JSON.parse(await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString('utf8')));
  assert.equal(held.record.id, person.id);
  assert.ok(Array.isArray(held.timeline) && held.timeline.length > 0);

  await rights.getByLabel("Motif d'effacement").selectOption('request');
  await rights.getByRole('button', { name: 'Effacer cette personne…' }).click();
  await rights.getByText(/seront effacées définitivement/).waitFor();
  await claire.screenshot({ path: join(shots, '85-erase-confirm.png'), fullPage: true });
  await rights.getByRole('button', { name: 'Effacer définitivement' }).click();
  await claire.waitForURL(`${server.url}/contacts`);
  const r = await claire.request.get(`${server.url}/api/v1/contacts/${person.id}`);
  assert.equal(r.status(), 404);
  const audit = await (await claire.request.get(`${server.url}/api/v1/audit`)).json();
  assert.equal(audit[0].target_id, person.id);
  await laptop.close();

  // The advisor's phone syncs (at start) and no longer has the person, even offline.
  const pulled = page.waitForResponse((res) => res.url().includes('/api/v1/sync/pull'));
  await page.goto(`${server.url}/`);
  await pulled;
  await synced(page, 'the sync after the erasure');
  assert.equal(await foundOffline(page, context, server.url, name, person.id), false, 'gone from the phone');
  const real = errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_FAILED|Failed to fetch|NetworkError/.test(e));
  assert.deepEqual(real, []);
});

test('consents on the record, and the prospects past the retention period', async () => {
  const { server, page, errors } = use();
  // Away from the app first: a screen still open would react to the ended session.
  await page.goto('about:blank');
  await page.context().clearCookies();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'claire.martin@demo.tournee.fr');
  const record = (await api(page, '/contacts?stage=contacted&limit=1')).items[0];
  await page.goto(`${server.url}/contacts/${record.id}`);
  await page.waitForSelector('html[data-hydrated]');
  const consents = page.getByRole('region', { name: 'Consentements' });
  await consents.waitFor();
  // A consent given without its proof is refused in French; Bloctel in one tap.
  await consents.getByLabel('Pour').selectOption('email');
  await consents.getByRole('button', { name: 'Enregistrer la réponse' }).click();
  await consents.getByText('indiquez la preuve du consentement').waitFor();
  await consents.getByRole('button', { name: 'Inscrit sur Bloctel' }).click();
  await consents.getByText(/refusé liste Bloctel le/).waitFor();
  await page.screenshot({ path: join(shots, '86-consents.png'), fullPage: true });

  // The demo's old prospects, never called for more than three years.
  const due = await api(page, '/privacy/retention');
  assert.ok(due.length >= 2, JSON.stringify(due));
  const [first, second] = due.map((d) => d.display_name);
  await page.goto(`${server.url}/privacy`);
  await page.waitForSelector('html[data-hydrated]');
  await page.getByText(`${due.length} prospect(s) sans contact depuis trois ans`).waitFor();
  await page.getByRole('link', { name: first }).waitFor();
  await page.screenshot({ path: join(shots, '87-retention.png'), fullPage: true });
  await page.getByRole('button', { name: `Effacer ${first}` }).click();
  await eventually(async () => (await page.getByRole('link', { name: first }).count()) === 0, 'erased from the list');
  await page.getByRole('link', { name: second }).waitFor();
  assert.equal((await api(page, '/privacy/retention')).length, due.length - 1);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the retention screen is ${width} px wide`);
  const real = errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_FAILED|Failed to fetch|NetworkError/.test(e));
  assert.deepEqual(real, []);
});
