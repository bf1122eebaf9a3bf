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

  // The team's week: the agency's due clients spread over every advisor's days, one part
  // per advisor, the manager's own week a tap away.
  await page.goto(`${server.url}/agenda`);
  await page.getByRole('link', { name: 'Planifier ma semaine' }).click();
  await page.waitForURL('**/week');
  await page.getByRole('heading', { level: 1, name: "Semaine de l'équipe" }).waitFor();
  const plan = await api(page, '/plan/team');
  const parts = page.locator('details.advisor-week');
  await parts.first().waitFor({ timeout: 15000 });
  assert.equal(await parts.count(), plan.advisors.length);
  const names = await parts.locator('summary').allInnerTexts();
  assert.ok(names.includes('Sophie Girard') && names.includes('Julien Bernard'), names.join(' / '));
  const hers = parts.filter({ has: page.locator('summary', { hasText: 'Sophie Girard' }) });
  await hers.locator('summary').click();
  assert.equal(await hers.getByRole('heading', { level: 3 }).count(), 5, 'five working days');
  const proposed = plan.advisors.find((a) => a.advisor === sophie.id).days.flatMap((d) => d.stops).filter((s) => !s.fixed).length;
  assert.ok(proposed > 0, 'due clients proposed to Sophie');
  assert.equal(await hers.locator('li.stop:not(.fixed)').count(), proposed);
  await hers.getByText(`${proposed} visite(s) proposée(s)`).waitFor();
  await fits(page, "the team's week");
  await page.screenshot({ path: join(shots, '63-manager-week.png'), fullPage: true });
  await page.getByRole('button', { name: 'Moi' }).click();
  await page.getByRole('heading', { level: 1, name: 'Ma semaine' }).waitFor();
  // The manager's own week: five days, with nothing planned on them in the demo agency.
  await page.getByText('Rien de prévu').first().waitFor({ timeout: 15000 });
  assert.equal(await page.getByRole('heading', { level: 2 }).count(), 5);
  assert.equal(await parts.count(), 0);
  // Opened afresh (rendered by the server, then hydrated), the page is the team's again.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: "Semaine de l'équipe" }).waitFor();
  await parts.first().waitFor({ timeout: 15000 });

  // The statistics fit the phone too.
  await page.goto(`${server.url}/reports`);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(shots, '62-manager-statistics.png'), fullPage: true });
  await fits(page, 'the statistics');
  assert.deepEqual(errors, []);
});
