// The advisor's car-park moment: from Today, open the next meeting, mark it held, log the
// report with two objections and one referral, then find the new prospect, its link to the
// referrer, and the thank-you task. Counts the taps and the seconds it takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, login, shots } from './helpers.mjs';

const use = fixture();

test('advisor logs a visit report with two objections and a referral from Today', async () => {
  const { server, page, errors } = use();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'sophie.girard@demo.tournee.fr');
  const meetings = page.getByRole('list', { name: 'Rendez-vous du jour' });
  await meetings.waitFor();
  assert.equal(await meetings.locator('li').count(), 4, "the demo's four meetings today");
  await page.getByRole('list', { name: 'Clients en retard' }).waitFor();
  await page.screenshot({ path: join(shots, '10-today.png'), fullPage: true });
  // Today fits a phone: the cadence's follow-ups are the overdue clients, listed once, and
  // each list shows a few lines with a link to the rest.
  const todayTasks = await page.getByRole('list', { name: 'Tâches' }).locator('li').allInnerTexts();
  assert.ok(todayTasks.length <= 8, `${todayTasks.length} tasks on Today`);
  assert.ok(todayTasks.every((t) => !/cadence du segment/.test(t)), 'no cadence task repeated above the overdue clients');
  assert.ok(await page.getByRole('list', { name: 'Clients en retard' }).locator('li').count() <= 8);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(height < 740 * 5, `Today is ${height} px high`);

  // From here on, every tap of the advisor is counted.
  let taps = 0;
  const tap = async (locator) => { taps += 1; await locator.click(); };
  const type = async (locator, text) => { taps += 1; await locator.click(); await locator.fill(text); };
  const started = Date.now();

  await tap(page.locator('li.meeting.next a'));
  await page.waitForURL(/\/meetings\/[0-9a-f-]{36}$/);
  const client = (await page.locator('.record-head a strong').innerText()).trim();
  await tap(page.getByRole('button', { name: 'Tenu — saisir le compte rendu' }));
  await page.waitForURL(/\/report$/);
  await page.getByRole('group', { name: "Issue de l'entretien" }).waitFor();

  await tap(page.getByRole('button', { name: 'Positif', exact: true }));
  await type(page.getByLabel('Résumé'), 'Intéressée par un PER, veut comparer avec sa banque.');
  await tap(page.getByRole('button', { name: 'Trop cher', exact: true }));
  await tap(page.getByRole('button', { name: 'Veut réfléchir', exact: true }));
  await tap(page.getByRole('button', { name: 'Levée ?' }).first());
  await tap(page.getByRole('button', { name: '+ Ajouter un nom' }));
  await type(page.getByLabel('Nom du recommandé 1'), 'Paul Roux');
  await type(page.getByLabel('Téléphone ou e-mail du recommandé 1'), '06 11 22 33 44');
  await page.screenshot({ path: join(shots, '11-report.png'), fullPage: true });

  // The phone locks, the page reloads: nothing typed is lost.
  const typingDone = Date.now();
  await page.reload();
  await page.getByText('Brouillon restauré').waitFor();
  assert.equal(await page.getByLabel('Résumé').inputValue(), 'Intéressée par un PER, veut comparer avec sa banque.');
  assert.equal(await page.getByLabel('Nom du recommandé 1').inputValue(), 'Paul Roux');
  assert.equal(await page.getByRole('button', { name: 'Trop cher', exact: true }).getAttribute('aria-pressed'), 'true');
  const reloadMs = Date.now() - typingDone;

  await tap(page.getByRole('button', { name: 'Enregistrer le compte rendu' }));
  await page.waitForURL(/\/meetings\/[0-9a-f-]{36}\?saved=1$/);
  await page.getByText('Compte rendu enregistré.').waitFor();
  const seconds = (Date.now() - started - reloadMs) / 1000;
  await page.screenshot({ path: join(shots, '12-report-saved.png'), fullPage: true });
  const report = page.locator('.report-view');
  assert.ok(await report.getByText('Trop cher — levée').isVisible());
  assert.ok(await report.getByText('Veut réfléchir — non levée').isVisible());

  // The new prospect, referred and linked to the client.
  await page.getByRole('list', { name: 'Recommandés' }).getByRole('link', { name: 'ROUX Paul' }).click();
  await page.getByRole('heading', { name: 'ROUX Paul' }).waitFor();
  assert.ok(await page.locator('.record-head .badge', { hasText: 'Recommandé' }).isVisible());
  await page.getByText('Recommandé par').first().waitFor();
  assert.equal((await page.getByRole('link', { name: client }).first().innerText()).trim(), client);
  await page.screenshot({ path: join(shots, '13-referred-prospect.png'), fullPage: true });

  // The referrer's record lists whom they referred.
  await page.getByRole('link', { name: client }).first().click();
  await page.getByRole('list', { name: 'A recommandé' }).getByText('ROUX Paul').waitFor();
  await page.getByRole('list', { name: 'Historique' }).getByText('Compte rendu : Positif').waitFor();

  // The thank-you task is open, high priority, on the referrer.
  await page.getByRole('link', { name: 'Tâches', exact: true }).click();
  await page.getByRole('button', { name: 'Ouvertes' }).click();
  const thanks = page.getByRole('list', { name: 'Tâches' }).locator('li', { hasText: `Remercier ${client} pour ses recommandations` });
  await thanks.waitFor();
  assert.ok(await thanks.getByText('Prioritaire').isVisible());
  await page.screenshot({ path: join(shots, '14-tasks.png'), fullPage: true });

  // Today: the meeting is held, the overdue list is still there.
  await page.getByRole('link', { name: "Aujourd'hui", exact: true }).click();
  await page.getByRole('list', { name: 'Rendez-vous du jour' }).locator('li', { hasText: 'CR saisi' }).waitFor();

  const metrics = { taps, seconds: Math.round(seconds * 10) / 10 };
  writeFileSync(join(shots, 'report-metrics.json'), JSON.stringify(metrics) + '\n');
  console.log(`visit report: ${taps} taps, ${metrics.seconds} s (headless, automated)`);
  assert.ok(taps <= 12, `${taps} taps for the report (target ≤ 12)`);
  assert.deepEqual(errors, [], 'no error in the browser console');
});
