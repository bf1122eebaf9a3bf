// The manager sees the team: the agency's day on Today and in the agenda (whose meeting each
// is), the contact list filtered by advisor with the owner on each line, and a record handed
// over or shared from its screen. Every manager screen fits a 360 px phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixture, login, shots } from './helpers.mjs';

const use = fixture();

async function api(page, path) {
  const r = await page.request.get(`${new URL(page.url()).origin}/api/v1${path}`);
  assert.equal(r.status(), 200, `GET ${path}`);
  return r.json();
}

async function fits(page, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `${what} is ${width} px wide`);
}

test('the manager sees the team and hands records over', async () => {
  const { server, page, errors } = use();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'claire.martin@demo.tournee.fr');

  // Today: the agency's day, per advisor.
  const team = page.getByRole('list', { name: "L'agence aujourd'hui" });
  await team.waitFor();
  await team.getByText('Sophie Girard').waitFor();
  await page.screenshot({ path: join(shots, '60-manager-today.png'), fullPage: true });
  await fits(page, 'Today');

  // The agenda opens on the whole agency, each meeting with its advisor.
  await page.getByRole('link', { name: 'Agenda', exact: true }).click();
  await page.getByLabel('Agenda de').waitFor();
  assert.equal(await page.getByLabel('Agenda de').inputValue(), 'team');
  await page.locator('.meeting .owner', { hasText: 'Conseiller : Sophie Girard' }).first().waitFor();
  await fits(page, 'the agenda');
  await page.screenshot({ path: join(shots, '61-manager-agenda.png'), fullPage: true });

  // The contact list by advisor, the owner on each line.
  const users = await api(page, '/agency/users');
  const sophie = users.find((u) => u.display_name === 'Sophie Girard');
  const julien = users.find((u) => u.display_name === 'Julien Bernard');
  await page.goto(`${server.url}/contacts`);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByLabel('Conseiller').selectOption(sophie.id);
  await page.waitForTimeout(500);
  const owners = await page.getByRole('list', { name: 'Résultats' }).locator('li').allInnerTexts();
  assert.ok(owners.length > 0 && owners.every((t) => t.includes('Conseiller : Sophie Girard')), owners.slice(0, 3).join(' / '));
  await fits(page, 'the contact list');

  // A record handed over to Julien, then shared with Sophie, from its screen.
  const mine = (await api(page, `/contacts?owner=${sophie.id}&limit=1`)).items[0];
  await page.goto(`${server.url}/contacts/${mine.id}`);
  await page.getByRole('region', { name: 'Conseiller et partages' }).waitFor();
  await page.getByLabel('Confier le dossier à').selectOption(julien.id);
  await page.getByRole('button', { name: 'Réattribuer' }).click();
  await page.locator('.toast', { hasText: 'Dossier confié à Julien Bernard' }).waitFor();
  assert.equal((await api(page, `/contacts/${mine.id}`)).owner_id, julien.id);
  await page.getByLabel('Partager avec').selectOption(sophie.id);
  await page.getByRole('button', { name: 'Partager' }).click();
  await page.getByRole('button', { name: 'Retirer le partage avec Sophie Girard' }).waitFor();
  assert.deepEqual((await api(page, `/contacts/${mine.id}/shares`)).map((u) => u.id), [sophie.id]);
  await fits(page, 'the record');

  // The statistics fit the phone too.
  await page.goto(`${server.url}/reports`);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(shots, '62-manager-statistics.png'), fullPage: true });
  await fits(page, 'the statistics');
  assert.deepEqual(errors, []);
});
