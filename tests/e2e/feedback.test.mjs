// Nothing that happens is silent, and nothing goes unseen: a call logged in two taps from the
// record's header says so in a toast, an error of a failed save is brought into the viewport
// (not left below the fold or behind the sticky save bar), a meeting is not cancelled or
// marked "client absent" by one stray tap, and Today fits two screens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, fixture, login, shots } from './helpers.mjs';

const use = fixture();

async function api(page, path) {
  const r = await page.request.get(`${new URL(page.url()).origin}/api/v1${path}`);
  assert.equal(r.status(), 200, `GET ${path}`);
  return r.json();
}

test('an advisor sees what every tap did, in view', async () => {
  const { server, page, errors } = use();
  // Every page is served with a strict Content-Security-Policy that the app runs under: its
  // inline hydration scripts carry this answer's nonce, and no violation is reported (the
  // console errors of this whole test are checked at the end).
  const first = await page.goto(`${server.url}/login`);
  const csp = first.headers()['content-security-policy'] ?? '';
  const nonce = csp.match(/'nonce-([0-9a-f]+)'/)?.[1];
  assert.ok(nonce && /'wasm-unsafe-eval'/.test(csp) && /frame-ancestors 'none'/.test(csp), csp);
  assert.ok(await page.evaluate((n) => [...document.querySelectorAll('script:not([src])')].every((s) => s.nonce === n), nonce), 'every inline script has the nonce');
  await login(page, server.url, 'sophie.girard@demo.tournee.fr');
  await page.getByRole('list', { name: 'Rendez-vous du jour' }).waitFor();

  // Today fits two screens of a 360 × 740 phone with the demo agency.
  await page.screenshot({ path: join(shots, '49-today-fits.png'), fullPage: true });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  console.log(`Today at 360 × 740: ${height} px high`);
  assert.ok(height <= 2 * 740, `Today is ${height} px high`);

  // A task ticked by mistake: the toast offers "Annuler" for a few seconds, and it takes it
  // back.
  const tick = page.getByRole('list', { name: 'Tâches' }).locator('button.check').first();
  const label = await tick.getAttribute('aria-label');
  const taskTitle = label.replace(/^Fait : /, '');
  const before = (await api(page, '/tasks?scope=open')).find((t) => t.title === taskTitle);
  assert.ok(before, `the task "${taskTitle}" is open`);
  await tick.click();
  const undoToast = page.locator('.toast', { hasText: 'Tâche terminée' });
  await undoToast.waitFor();
  assert.ok((await api(page, `/tasks/${before.id}`)).done_at, 'done');
  await undoToast.getByRole('button', { name: 'Annuler' }).click();
  await eventually(async () => (await api(page, `/tasks/${before.id}`)).done_at === null, 'the task is open again');

  // A call in two taps: "Appeler" in the record's header (the dialler opens; here it is held
  // back), then the outcome — and a toast says what was logged.
  const today = await api(page, '/today');
  const meeting = today.meetings.find((m) => m.status === 'planned' && m.contact_phone);
  assert.ok(meeting, 'a planned meeting today with a phone number');
  await page.goto(`${server.url}/contacts/${meeting.contact_id}`);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  const call = page.locator('.actions a[href^="tel:"]').first();
  await call.evaluate((a) => a.addEventListener('click', (e) => e.preventDefault()));
  await call.click();
  const reached = page.getByRole('button', { name: 'Joint', exact: true });
  await reached.waitFor();
  await reached.click();
  const toast = page.locator('.toast-area .toast');
  await toast.filter({ hasText: 'Noté : Appel : joint' }).waitFor();
  const box = await toast.boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= 740, 'the toast is in view');
  await page.screenshot({ path: join(shots, '50-call-two-taps.png') });

  // A report saved with no outcome: the error comes into view, whatever the scroll.
  await page.goto(`${server.url}/meetings/${meeting.id}/report`);
  await page.getByRole('group', { name: "Issue de l'entretien" }).waitFor();
  await page.getByRole('button', { name: 'Enregistrer le compte rendu' }).click();
  const error = page.locator('.error[role="alert"]').first();
  await error.waitFor();
  await page.waitForTimeout(300);
  const e = await error.boundingBox();
  assert.ok(e && e.y >= 0 && e.y + e.height <= 740, `the error is in the viewport (y = ${e?.y})`);
  await page.screenshot({ path: join(shots, '51-report-error-in-view.png') });

  // A meeting is not marked "client absent" by one tap: it asks first.
  await page.goto(`${server.url}/meetings/${meeting.id}`);
  await page.getByRole('button', { name: 'Client absent…' }).click();
  await page.getByRole('button', { name: 'Confirmer : client absent' }).waitFor();
  assert.equal((await api(page, `/meetings/${meeting.id}`)).status, 'planned', 'nothing changed yet');
  await page.getByRole('button', { name: 'Retour' }).click();
  await page.getByRole('button', { name: 'Annuler le RDV…' }).click();
  await page.getByRole('button', { name: "Confirmer l'annulation" }).waitFor();
  assert.equal((await api(page, `/meetings/${meeting.id}`)).status, 'planned');

  // The edit form shows the numbers as they are typed, not as they are kept.
  await page.goto(`${server.url}/contacts/${meeting.contact_id}/edit`);
  const mobile = page.getByLabel('Mobile');
  await mobile.waitFor();
  assert.match(await mobile.inputValue(), /^0\d( \d\d){4}$|^$/);

  // The record's situation can be filled from the record: its part links to the form's,
  // unfolded and in view.
  await page.goto(`${server.url}/contacts/${meeting.contact_id}`);
  await page.locator('summary', { hasText: /^Situation/ }).click();
  await page.getByRole('link', { name: 'Compléter la situation' }).click();
  await page.waitForURL(/\/edit#situation$/);
  await page.getByLabel('Profession').waitFor();

  assert.deepEqual(errors, []);
});
