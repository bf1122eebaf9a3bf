// An advisor on a phone: log in, create a contact, change its stage, find it by search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixture, login, shots, eventually } from './helpers.mjs';

const use = fixture();

test('advisor logs in, creates a contact, edits it, moves its stage and finds it by search', async () => {
  const { server, page, errors } = use();
  await page.goto(`${server.url}/`);
  // Not signed in: the app sends us to the login page.
  await page.waitForURL('**/login');
  await login(page, server.url, 'julien.bernard@demo.tournee.fr');
  await page.getByRole('heading', { name: "Aujourd'hui" }).waitFor();
  await page.getByRole('link', { name: 'Contacts', exact: true }).click();
  await page.getByRole('list', { name: 'Résultats' }).waitFor();
  await page.screenshot({ path: join(shots, '01-contacts.png') });

  // Create: a name and a phone number are enough.
  await page.getByRole('link', { name: 'Nouveau contact' }).click();
  await page.getByLabel('Prénom').fill('Hélène');
  await page.getByLabel('Nom', { exact: true }).fill('Écuyer-Testard');
  await page.getByLabel('Mobile').fill('06 98 76 54 32');
  await page.getByLabel('Code postal').fill('69003');
  await page.getByLabel('Ville').fill('Lyon');
  await page.screenshot({ path: join(shots, '02-new-contact.png') });
  await page.getByRole('button', { name: 'Créer le contact' }).click();
  await page.waitForURL(/\/contacts\/[0-9a-f-]{36}$/);
  await page.getByRole('heading', { name: 'ÉCUYER-TESTARD Hélène' }).waitFor();
  assert.ok(await page.getByText('Recensé').first().isVisible());
  const call = page.getByRole('link', { name: /Appeler/ });
  assert.equal(await call.getAttribute('href'), 'tel:+33698765432');

  // Edit: what is typed survives a reload (draft), then saves.
  await page.getByRole('link', { name: 'Modifier' }).click();
  await page.getByLabel('E-mail').fill('helene.ecuyer@exemple.fr');
  await page.reload();
  await page.getByText('Brouillon restauré').waitFor();
  assert.equal(await page.getByLabel('E-mail').inputValue(), 'helene.ecuyer@exemple.fr');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.waitForURL(/\/contacts\/[0-9a-f-]{36}$/);
  await page.getByText('helene.ecuyer@exemple.fr', { exact: true }).waitFor();
  // The edit is in the record's history, who changed what from what.
  await page.getByRole('list', { name: 'Historique' }).getByText(/E-mail : — → helene.ecuyer@exemple.fr/).waitFor();

  // Change stage: recensé → qualifié is one step.
  await page.getByRole('button', { name: "Changer d'étape" }).click();
  await page.getByLabel('Nouvelle étape').selectOption({ label: '→ Qualifié' });
  await page.getByRole('button', { name: "Valider l'étape" }).click();
  await page.locator('.record-head .badge', { hasText: 'Qualifié' }).waitFor();
  await page.getByRole('list', { name: 'Historique' }).getByText('Étape : qualifié').waitFor();

  // A skip without a reason is refused with a readable message, nothing changes.
  await page.getByRole('button', { name: "Changer d'étape" }).click();
  await page.getByLabel('Nouvelle étape').selectOption({ label: '→ Engagé' });
  await page.getByRole('button', { name: "Valider l'étape" }).click();
  await page.getByRole('alert').filter({ hasText: 'saute une étape' }).waitFor();
  await page.screenshot({ path: join(shots, '03-record.png') });

  // Search, accents and case ignored.
  await page.getByRole('link', { name: 'Contacts', exact: true }).click();
  await page.getByPlaceholder('Nom, téléphone, ville, code postal…').fill('ecuyer');
  const results = page.getByRole('list', { name: 'Résultats' });
  await eventually(async () => (await results.locator('li').count()) === 1, 'one search result');
  assert.ok(await results.getByText('ÉCUYER-TESTARD Hélène').isVisible());
  await page.screenshot({ path: join(shots, '04-search.png') });
  assert.deepEqual(errors, [], 'no error in the browser console');
});
