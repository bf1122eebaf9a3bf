// The agency's people at 360 × 740: the manager invites a new advisor, who opens the link on
// their own phone, chooses a password and lands on Today; then the manager hands a departing
// advisor's portfolio to the newcomer and Julien, and cuts the departing advisor's access —
// whose phone is signed out and wiped at its next call.
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

test('a manager invites an advisor and hands a portfolio over', async () => {
  const { server, page, browser, errors } = use();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'claire.martin@demo.tournee.fr');
  await page.goto(`${server.url}/team`);
  await page.waitForSelector('html[data-hydrated]');
  await page.getByText('Sophie Girard').first().waitFor();

  // The invitation: a link shown once.
  await page.getByLabel('E-mail').fill('lucas.petit@demo.tournee.fr');
  await page.getByLabel('Nom affiché').fill('Lucas Petit');
  await page.getByRole('button', { name: "Créer le lien d'invitation" }).click();
  const card = page.getByRole('status', { name: "Lien d'invitation" });
  await card.waitFor();
  const link = await card.locator('a').getAttribute('href');
  assert.match(link, /\/invitation\?t=/);
  await page.screenshot({ path: join(shots, '90-team-invitation.png'), fullPage: true });

  // Lucas opens it on his phone.
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const lucas = await phone.newPage();
  await lucas.goto(link);
  await lucas.waitForSelector('html[data-hydrated]');
  await lucas.getByLabel('Mot de passe (10 caractères au moins)').fill('bienvenue-lucas');
  await lucas.getByLabel('Le même, encore').fill('bienvenue-lucaz');
  await lucas.getByRole('button', { name: 'Choisir ce mot de passe' }).click();
  await lucas.getByText('Les deux mots de passe diffèrent.').waitFor();
  await lucas.getByLabel('Le même, encore').fill('bienvenue-lucas');
  await lucas.getByRole('button', { name: 'Choisir ce mot de passe' }).click();
  await lucas.waitForURL(`${server.url}/`);
  const me = await api(lucas, '/auth/me');
  assert.equal(me.display_name, 'Lucas Petit');

  // Sophie leaves: her portfolio goes to Lucas and Julien in turn.
  const sophieId = (await api(page, '/team')).find((m) => m.display_name === 'Sophie Girard').id;
  const before = (await api(page, '/team')).find((m) => m.id === sophieId).records;
  assert.ok(before > 0);
  await page.reload();
  await page.waitForSelector('html[data-hydrated]');
  const sophie = page.locator('li.member', { hasText: 'Sophie Girard' });
  await sophie.getByRole('button', { name: /Transmettre son portefeuille/ }).click();
  await sophie.getByLabel('Lucas Petit').check();
  await sophie.getByLabel('Julien Bernard').check();
  await page.screenshot({ path: join(shots, '91-team-handover.png'), fullPage: true });
  await sophie.getByRole('button', { name: 'Transmettre les dossiers, tâches et rendez-vous' }).click();
  await page.getByText(new RegExp(`Portefeuille de Sophie Girard transmis : ${before} dossiers`)).waitFor();
  const team = await api(page, '/team');
  const count = (name) => team.find((m) => m.display_name === name).records;
  assert.equal(count('Sophie Girard'), 0);
  assert.equal(count('Lucas Petit'), Math.ceil(before / 2));
  const lucasList = await api(lucas, '/contacts?limit=200');
  assert.equal(lucasList.items.length, Math.ceil(before / 2), 'Lucas sees his new portfolio');

  // Her access is cut; the journal says it all.
  await page.reload();
  await page.waitForSelector('html[data-hydrated]');
  await page.locator('li.member', { hasText: 'Sophie Girard' }).getByRole('button', { name: "Couper l'accès" }).click();
  await page.locator('li.member', { hasText: 'Sophie Girard' }).getByText('accès coupé', { exact: false }).waitFor();
  await eventually(async () => (await page.getByText(/Portefeuille de Sophie Girard transmis à 2 conseiller/).count()) > 0, 'the journal');
  // The journal leaves as CSV for the days chosen (today: the invitation, the handover, the cut).
  const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Paris' });
  await page.getByLabel('Exporter du (le début si vide)').fill(today);
  const exportLink = page.getByRole('link', { name: 'Exporter le journal en CSV' });
  await eventually(async () => (await exportLink.getAttribute('href')).includes(`from=${today}`), 'the export link takes the day');
  const csv = await page.request.get(new URL(await exportLink.getAttribute('href'), server.url).href);
  assert.equal(csv.status(), 200);
  const text = (await csv.body()).toString('utf8');
  assert.ok(text.startsWith('\ufeffdate;heure;auteur;action;concerne;détail\r\n'), text.slice(0, 80));
  const actions = text.trim().split('\r\n').slice(1).map((line) => line.split(';')[3]);
  for (const act of ['invite_user', 'hand_over', 'disable_user']) {
    assert.ok(actions.includes(act), `${act} in ${actions}`);
  }
  assert.ok(actions.indexOf('invite_user') < actions.indexOf('hand_over'), 'oldest first');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the team screen is ${width} px wide`);
  await phone.close();
  assert.deepEqual(errors, []);
});
