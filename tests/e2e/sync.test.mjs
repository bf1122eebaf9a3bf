// Offline-first, as an advisor lives it: after a morning sync the network goes, the advisor
// opens a record, logs a call, creates a prospect and writes a visit report with two
// objections and a referral, reloads the page — everything is still there, waiting — and when
// the network comes back it all reaches the server once. Then two phones edit the same field
// offline and the second one gets the conflict screen; and a phone whose session is revoked
// from another device is wiped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixture, login, shots, eventually } from './helpers.mjs';

const use = fixture();

/** The status line's state and pending count. */
async function syncLine(page) {
  const line = page.locator('.syncline');
  if ((await line.count()) === 0) return { state: null, pending: null, text: '' };
  return {
    state: await line.getAttribute('data-state'),
    pending: Number(await line.getAttribute('data-pending')),
    text: (await line.innerText()).trim(),
  };
}

async function synced(page, what = 'the phone is in sync') {
  await eventually(async () => {
    const s = await syncLine(page);
    return s.state === 'online' && s.pending === 0 && s.text.startsWith('À jour');
  }, what, 20000);
}

async function api(page, path) {
  const r = await page.request.get(`${new URL(page.url()).origin}/api/v1${path}`);
  assert.equal(r.status(), 200, `GET ${path}`);
  return r.json();
}

/** A new phone signed in as `email`, its app served by the service worker, its first sync done. */
async function syncedPhone(browser, server, email, options = {}) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR', timezoneId: 'Europe/Paris', ...options });
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, email);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.goto(`${server.url}/`);
  await synced(page, 'the first sync');
  return { context, page };
}

test('a morning of field work with no network reaches the server once, nothing lost or doubled', async () => {
  const { server, page, context, errors } = use();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'sophie.girard@demo.tournee.fr');
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  // From this page on the service worker serves the app; the first sync fills the replica.
  await page.goto(`${server.url}/`);
  await synced(page, 'the first sync');

  const today = await api(page, '/today');
  const meeting = today.meetings.find((m) => m.status === 'planned' && !m.has_report);
  assert.ok(meeting, 'a planned meeting today');
  const clientId = meeting.contact_id;
  const client = await api(page, `/contacts/${clientId}`);
  const history = (await api(page, `/contacts/${clientId}/timeline?limit=200`)).items;
  const callsBefore = history.filter((e) => e.kind === 'call').length;
  // A past visit of this advisor's, with its report: the sync brought it too.
  const day = (n) => new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);
  const past = (await api(page, `/meetings?from=${day(60)}&to=${day(1)}`)).find((m) => m.has_report);
  assert.ok(past, 'a past meeting with its report');
  const pastReport = await api(page, `/meetings/${past.id}/report`);
  assert.ok(pastReport.summary, 'the past report has a summary');

  // The network goes.
  await context.setOffline(true);
  await eventually(async () => (await syncLine(page)).state === 'offline', 'the phone says it is offline');

  // A deep link to the record opens from the phone: frame from the service worker, data from
  // the replica.
  await page.goto(`${server.url}/contacts/${clientId}`);
  await page.getByRole('heading', { name: client.display_name }).first().waitFor();
  await page.getByText(/Hors ligne : l'historique tel qu'à la dernière synchronisation/).waitFor();
  const lines = page.getByRole('list', { name: 'Historique' }).locator('li');
  await eventually(async () => (await lines.count()) === history.length, 'the whole history reads offline, from the replica');
  // …and so does the report of a past visit, never opened on this phone.
  await page.goto(`${server.url}/meetings/${past.id}`);
  await page.locator('.report-view').getByText(pastReport.summary.split('\n')[0].slice(0, 40)).waitFor();
  await page.goto(`${server.url}/contacts/${clientId}`);
  await page.getByRole('heading', { name: client.display_name }).first().waitFor();

  // A call, logged offline.
  await page.getByRole('button', { name: 'Noter un appel ou un message' }).click();
  await page.getByRole('button', { name: 'Joint', exact: true }).click();
  await page.getByRole('region', { name: "En attente d'envoi" }).getByText('Appel — Joint').waitFor();

  // A new prospect, created offline.
  await page.goto(`${server.url}/contacts/new`);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByLabel('Prénom').fill('Agathe');
  await page.getByLabel('Nom', { exact: true }).fill('Hors-Réseau');
  await page.getByLabel('Mobile').fill('06 12 34 56 78');
  await page.getByLabel('Ville').fill('Lyon');
  await page.getByRole('button', { name: 'Créer le contact' }).click();
  await page.waitForURL(/\/contacts\/[0-9a-f-]{36}\?queued=1$/);
  const newId = page.url().match(/contacts\/([0-9a-f-]{36})/)[1];
  await page.getByRole('heading', { name: 'HORS-RÉSEAU Agathe' }).waitFor();

  // The visit report, offline: two objections and a referral.
  await page.goto(`${server.url}/meetings/${meeting.id}/report`);
  await page.getByRole('group', { name: "Issue de l'entretien" }).waitFor();
  await page.getByRole('button', { name: 'Positif', exact: true }).click();
  await page.getByLabel('Résumé').fill('Vu sans réseau, dans sa cuisine.');
  await page.getByRole('button', { name: 'Trop cher', exact: true }).click();
  await page.getByRole('button', { name: 'Veut réfléchir', exact: true }).click();
  await page.getByRole('button', { name: '+ Ajouter un nom' }).click();
  await page.getByLabel('Nom du recommandé 1').fill('Bastien Sans-Fil');
  await page.getByLabel('Téléphone ou e-mail du recommandé 1').fill('06 55 44 33 22');
  await page.getByRole('button', { name: 'Enregistrer le compte rendu' }).click();
  await page.waitForURL(new RegExp(`/contacts/${clientId}\\?queued=1$`));
  await page.getByRole('region', { name: "En attente d'envoi" }).getByText(/Compte rendu de visite \(2 objection/).waitFor();
  await page.screenshot({ path: join(shots, '40-offline-waiting.png'), fullPage: true });

  // What waits is laid over the phone's copy by the server's own rules: the meeting shows as
  // held, the named prospect is found by a search, the record's last contact is today.
  await page.goto(`${server.url}/meetings/${meeting.id}`);
  await page.locator('.record-head .badges').getByText('Tenu', { exact: true }).waitFor();
  await page.goto(`${server.url}/contacts`);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByLabel('Rechercher').fill('sans-fil');
  await page.getByRole('link', { name: /SANS-FIL Bastien/ }).waitFor();
  // A typo is forgiven on the phone too (one letter, in a word of four or more).
  await page.getByLabel('Rechercher').fill('bastein');
  await page.getByRole('link', { name: /SANS-FIL Bastien/ }).waitFor();
  await page.goto(`${server.url}/contacts/${clientId}`);
  await page.getByRole('heading', { name: client.display_name }).first().waitFor();

  // Reloaded while still offline: everything is still there, waiting.
  await page.reload();
  await page.getByRole('heading', { name: client.display_name }).first().waitFor();
  await eventually(async () => (await syncLine(page)).pending === 3, 'three writes waiting after the reload');
  assert.match((await syncLine(page)).text, /Hors ligne · 3 en attente/);
  await page.goto(`${server.url}/sync`);
  const waiting = page.locator('ul.pending li');
  await eventually(async () => (await waiting.count()) === 3, 'the sync screen lists the three writes');
  await page.screenshot({ path: join(shots, '41-sync-screen-offline.png'), fullPage: true });

  // The network comes back: sent within seconds, by itself.
  await context.setOffline(false);
  await synced(page, 'the outbox drained after the network came back');

  // On the server, once each.
  const created = await api(page, `/contacts/${newId}`);
  assert.equal(created.display_name, 'HORS-RÉSEAU Agathe');
  const calls = (await api(page, `/contacts/${clientId}/timeline`)).items.filter((e) => e.kind === 'call');
  assert.equal(calls.length, callsBefore + 1, 'the call arrived once');
  const held = await api(page, `/meetings/${meeting.id}`);
  assert.equal(held.has_report, true);
  const report = await api(page, `/meetings/${meeting.id}/report`);
  assert.equal(report.objections.length, 2);
  const referred = await api(page, '/contacts?q=sans-fil');
  assert.equal(referred.items.length, 1, 'the referred prospect exists once');
  assert.equal((await api(page, '/contacts?q=hors-reseau')).items.length, 1, 'the new prospect exists once');

  // A second sync sends nothing again.
  await page.reload();
  await synced(page, 'in sync after a reload');
  assert.equal((await api(page, '/contacts?q=hors-reseau')).items.length, 1);
  assert.equal((await api(page, `/contacts/${clientId}/timeline`)).items.filter((e) => e.kind === 'call').length, callsBefore + 1);

  const real = errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_FAILED|Failed to fetch|NetworkError/.test(e));
  assert.deepEqual(real, []);
});

test('two phones change the same field offline: the second gets the conflict screen, then both agree', async () => {
  const { server, browser } = use();
  const open = (email) => syncedPhone(browser, server, email, { isMobile: true, hasTouch: true });
  const sophie = await open('sophie.girard@demo.tournee.fr');
  const claire = await open('claire.martin@demo.tournee.fr');
  const list = await api(sophie.page, '/contacts?limit=1');
  const id = list.items[0].id;
  for (const phone of [sophie, claire]) {
    await phone.page.goto(`${server.url}/contacts/${id}/edit`);
    await phone.page.getByLabel('Mobile').waitFor();
    await phone.context.setOffline(true);
  }
  await sophie.page.getByLabel('Mobile').fill('06 01 01 01 01');
  await sophie.page.getByRole('button', { name: 'Enregistrer' }).click();
  await sophie.page.waitForURL(new RegExp(`/contacts/${id}$`));
  await claire.page.getByLabel('Mobile').fill('06 02 02 02 02');
  await claire.page.getByRole('button', { name: 'Enregistrer' }).click();
  await claire.page.waitForURL(new RegExp(`/contacts/${id}$`));

  // Sophie's phone gets the network first: her value is applied.
  await sophie.context.setOffline(false);
  await synced(sophie.page);
  // Claire's arrives second: a conflict, not a silent overwrite.
  await claire.context.setOffline(false);
  await eventually(async () => /1 conflit/.test((await syncLine(claire.page)).text), 'the conflict is announced', 20000);
  await claire.page.locator('.syncline').click();
  const card = claire.page.locator('article.conflict[data-field="phone_mobile"]');
  await card.waitFor();
  await card.getByText('06 01 01 01 01').waitFor();
  await card.getByText('06 02 02 02 02').waitFor();
  await card.getByText(/Sophie Girard/).waitFor();
  await claire.page.screenshot({ path: join(shots, '42-conflict.png'), fullPage: true });
  // Claire keeps her own value.
  await card.locator('.side', { hasText: '06 02 02 02 02' }).getByRole('button', { name: 'Garder cette valeur' }).click();
  await claire.page.getByText('Conflit réglé.').waitFor();
  await eventually(async () => !/conflit/.test((await syncLine(claire.page)).text), 'no conflict left');

  // Both phones and the server agree.
  const after = await api(claire.page, `/contacts/${id}`);
  assert.equal(after.phone_mobile, '+33602020202');
  await sophie.page.reload();
  await synced(sophie.page);
  await sophie.page.getByText('06 02 02 02 02').first().waitFor();
  await sophie.context.close();
  await claire.context.close();
});

test("a manager's pickers name the team with no network: the team comes in the sync", async () => {
  const { server, browser } = use();
  const { context, page } = await syncedPhone(browser, server, 'claire.martin@demo.tournee.fr');
  const users = await api(page, '/agency/users');
  const sophie = users.find((u) => u.display_name === 'Sophie Girard');
  const mine = (await api(page, `/contacts?owner=${sophie.id}&limit=1`)).items[0];

  await context.setOffline(true);
  await page.goto(`${server.url}/contacts`);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  const filter = page.getByLabel('Conseiller');
  await eventually(async () => (await filter.locator('option').allInnerTexts()).includes('Sophie Girard'),
    'the advisor filter names the team offline', 10000);
  await filter.selectOption(sophie.id);
  const results = page.getByRole('list', { name: 'Résultats' }).locator('li');
  await eventually(async () => {
    const lines = await results.allInnerTexts();
    return lines.length > 0 && lines.every((t) => t.includes('Conseiller : Sophie Girard'));
  }, "the list shows Sophie's records, from the replica", 10000);
  await page.goto(`${server.url}/contacts/${mine.id}`);
  const handover = page.getByLabel('Confier le dossier à');
  await eventually(async () => (await handover.locator('option').allInnerTexts()).some((t) => t.includes('Julien Bernard')),
    'the handover picker names the team offline', 10000);
  await context.close();
});

test('a consent refused in a car park with no network reaches the server once', async () => {
  const { server, browser } = use();
  const { context, page } = await syncedPhone(browser, server, 'sophie.girard@demo.tournee.fr');
  const record = (await api(page, '/contacts?limit=1')).items[0];
  const before = await api(page, `/contacts/${record.id}/consents`);

  await context.setOffline(true);
  await page.goto(`${server.url}/contacts/${record.id}`);
  const consents = page.getByRole('region', { name: 'Consentements' });
  await consents.locator('li', { hasText: 'Contact commercial par SMS' }).waitFor();
  await consents.getByLabel('Pour').selectOption('sms');
  await consents.getByLabel('Réponse').selectOption('no');
  await consents.getByLabel('Recueilli').selectOption('phone');
  const said = Date.now();
  await consents.getByRole('button', { name: 'Enregistrer la réponse' }).click();
  await page.getByText('Consentement noté sur ce téléphone').first().waitFor();
  await consents.locator('li', { hasText: 'Contact commercial par SMS' }).getByText(/refusé au téléphone/).waitFor();
  await eventually(async () => (await syncLine(page)).pending === 1, 'one change waits');

  await context.setOffline(false);
  await synced(page, 'the consent sent once the network is back');
  const after = await api(page, `/contacts/${record.id}/consents`);
  const sms = after.filter((k) => k.purpose === 'sms' && !before.some((b) => b.id === k.id));
  assert.equal(sms.length, 1, JSON.stringify(after));
  assert.equal(sms[0].granted, false);
  assert.ok(Math.abs(new Date(sms[0].at).getTime() - said) < 60000, `dated when it was said: ${sms[0].at}`);
  await context.close();
});

test('a phone whose session is revoked from another device is wiped', async () => {
  const { server, browser } = use();
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'julien.bernard@demo.tournee.fr');
  await synced(page);
  const stored = () => page.evaluate(async () => (await indexedDB.databases()).some((d) => d.name === 'tournee'));
  assert.equal(await stored(), true, 'the replica is on the phone');

  const laptop = await browser.newContext();
  const lp = await laptop.newPage();
  await lp.goto(`${server.url}/login`);
  await login(lp, server.url, 'julien.bernard@demo.tournee.fr');
  const sessions = await api(lp, '/auth/sessions');
  const other = sessions.find((s) => !s.current);
  const r = await lp.request.delete(`${server.url}/api/v1/auth/sessions/${other.id}`);
  assert.equal(r.status(), 204);

  // The phone's next sync learns it: replica and outbox erased, back to the login page.
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForURL(/\/login\?fin=revoquee$/, { timeout: 20000 });
  await page.getByText('les données de ce téléphone ont été effacées').waitFor();
  await eventually(async () => !(await stored()), 'the replica is erased');
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tournee.')).length), 0);
  await laptop.close();
  await context.close();
});

test('two tabs on one phone write to one outbox: every call sent once, none lost', async () => {
  const { server, browser } = use();
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const first = await context.newPage();
  await first.goto(`${server.url}/login`);
  await login(first, server.url, 'julien.bernard@demo.tournee.fr');
  await first.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await synced(first);
  const list = await api(first, '/contacts?limit=1');
  const id = list.items[0].id;
  const calls = async () => (await api(first, `/contacts/${id}/timeline`)).items.filter((e) => e.kind === 'call').length;
  const before = await calls();
  const second = await context.newPage();
  for (const tab of [first, second]) {
    await tab.goto(`${server.url}/contacts/${id}`);
    await tab.getByRole('button', { name: 'Noter un appel ou un message' }).waitFor();
  }
  await context.setOffline(true);
  // Both tabs log calls, interleaved, while offline.
  for (let i = 0; i < 3; i++) {
    for (const tab of [first, second]) {
      await tab.getByRole('button', { name: 'Noter un appel ou un message' }).click();
      await tab.getByRole('button', { name: 'Pas de réponse', exact: true }).click();
      await tab.getByRole('region', { name: "En attente d'envoi" }).waitFor();
    }
  }
  await eventually(async () => (await syncLine(first)).pending === 6 || (await syncLine(second)).pending === 6,
    'six calls waiting in the one outbox', 10000);
  await context.setOffline(false);
  await synced(first, 'the first tab drained the outbox');
  await second.reload();
  await synced(second, 'the second tab sees it drained');
  assert.equal(await calls(), before + 6, 'six calls on the server, each once');
  await context.close();
});

test('a phone with the first replica layout upgrades: its unsent call goes once, its rows come again', async () => {
  const { server, browser } = use();
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  const signed = await page.request.post(`${server.url}/api/v1/auth/login`, {
    headers: { origin: server.url },
    data: { email: 'julien.bernard@demo.tournee.fr', password: 'tournee-demo' },
  });
  assert.equal(signed.status(), 200);
  // Where an up-to-date phone of version 1 stood: at the agency's last change.
  let cursor = 0;
  for (;;) {
    const page_ = await api(page, `/sync/pull?cursor=${cursor}&limit=1000`);
    cursor = page_.cursor;
    if (!page_.has_more) break;
  }
  const contact = (await api(page, '/contacts?limit=1')).items[0];
  const note = `appel gardé pendant la mise à jour ${Date.now()}`;
  // The replica as the first version wrote it: one value per row, a cursor, one call unsent.
  await page.evaluate(({ cursor, contact, note }) => new Promise((resolve, reject) => {
    const open = indexedDB.open('tournee', 1);
    open.onupgradeneeded = () => {
      for (const name of ['rows', 'outbox', 'refusals', 'meta']) open.result.createObjectStore(name);
    };
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(['rows', 'outbox', 'meta'], 'readwrite');
      const at = new Date().toISOString();
      tx.objectStore('meta').put(JSON.stringify({ client_id: crypto.randomUUID(), cursor, next_mutation_id: 2, acked: 0, last_sync_at: at }), 'meta');
      tx.objectStore('rows').put(JSON.stringify({ kind: 'contact', row: contact }), `contact/${contact.id}`);
      tx.objectStore('outbox').put(JSON.stringify({ id: 1, name: 'log_interaction', at,
        args: { contact_id: contact.id, input: { kind: 'call', outcome: 'no_answer', note } } }), 1);
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
    open.onerror = () => reject(open.error);
  }), { cursor, contact, note });

  await page.goto(`${server.url}/`);
  await synced(page, 'the upgraded phone synced');
  const timeline = await api(page, `/contacts/${contact.id}/timeline`);
  assert.equal(timeline.items.filter((e) => e.kind === 'call' && JSON.stringify(e).includes(note)).length, 1,
    `the call kept through the upgrade reached the server once: ${JSON.stringify(timeline.items.slice(0, 3))}`);
  const stores = await page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('tournee');
    open.onsuccess = () => { resolve([...open.result.objectStoreNames]); open.result.close(); };
  }));
  assert.deepEqual(stores.sort(), ['meta', 'outbox', 'refusals', 'segments']);
  // The rows came again (the cursor went back to 0): the records open with no network (once
  // the service worker, installed by this first visit, holds the app's frames).
  const owned = (await api(page, '/contacts?limit=5')).items;
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  // From the next page on the worker serves the app (as in offline.test.mjs).
  await page.goto(`${server.url}/`);
  assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the worker controls the page');
  await synced(page, 'the upgraded phone synced again');
  await context.setOffline(true);
  for (const c of owned.slice(0, 3)) {
    await page.goto(`${server.url}/contacts/${c.id}`);
    await page.getByRole('heading', { name: c.display_name }).first().waitFor({ timeout: 10000 });
  }
  await context.close();
});
