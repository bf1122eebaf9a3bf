// Records in at 360 × 740: the agency manager imports a spreadsheet export as French Excel
// writes it (Windows-1252, `;`, a note over two lines) with a bad line and a duplicate of a
// record already there; the columns are guessed, the dry run says what each line will do, the
// duplicate is set to update the record, the import runs with its progress and its result.
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

test('a manager imports a file with a bad line and a duplicate, line by line', async () => {
  const { server, page, errors } = use();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'claire.martin@demo.tournee.fr');
  // A record of the agency, and its mobile: the file's duplicate.
  const demo = (await api(page, '/contacts?limit=1&stage=client')).items[0];
  const record = await api(page, `/contacts/${demo.id}`);
  assert.ok(record.phone_mobile, 'a demo client with a mobile');
  const text = [
    'Nom;Prénom;Téléphone portable;E-mail;Code postal;Ville;Commentaire',
    'Bérenger;Anaïs;06 98 76 54 31;anais.berenger@exemple.fr;69006;Lyon;"salon du patrimoine,\r\nrappeler en janvier"',
    'Noël;Jérôme;06 98 76 54 32;jerome@exemple;69003;Lyon;',
    `${record.last_name};${record.first_name};${record.phone_mobile};;;Villeurbanne;vu au salon`,
    'Faure;Loïc;06 98 76 54 33;;38000;Grenoble;',
  ].join('\r\n') + '\r\n';
  const file = { name: 'salon-2026.csv', mimeType: 'text/csv', buffer: Buffer.from(text, 'latin1') };

  await page.goto(`${server.url}/imports`);
  await page.waitForSelector('html[data-hydrated]');
  await page.getByLabel('Fichier').setInputFiles(file);
  await page.getByText('4 lignes · Windows-1252 (Excel) · séparateur « ; »').waitFor();
  assert.equal(await page.getByLabel('Champ de la colonne Prénom').inputValue(), 'first_name');
  assert.equal(await page.getByLabel('Champ de la colonne Téléphone portable').inputValue(), 'phone_mobile');
  // Each column's first values as the import will read them into the chosen field.
  const emails = page.getByRole('list', { name: 'Aperçu de la colonne E-mail' });
  await emails.getByText(/^jerome@exemple ✗ \S/).waitFor();
  await emails.getByText('anais.berenger@exemple.fr', { exact: true }).waitFor();
  const phones = page.getByRole('list', { name: 'Aperçu de la colonne Téléphone portable' });
  await page.getByLabel('Champ de la colonne Téléphone portable').selectOption('phone');
  await phones.getByText('06 98 76 54 31 (portable)').waitFor();
  await page.getByLabel('Champ de la colonne Téléphone portable').selectOption('phone_mobile');
  await phones.getByText('06 98 76 54 31', { exact: true }).waitFor();
  await page.screenshot({ path: join(shots, '80-import-columns.png'), fullPage: true });

  await page.getByRole('button', { name: 'Vérifier (rien n\'est enregistré)' }).click();
  await page.getByText('4 lignes : 2 à créer, 0 à mettre à jour, 1 doublon(s) ignoré(s), 0 déjà importée(s), 1 refusée(s)').waitFor();
  const lines = page.getByRole('list', { name: 'Lignes à voir' });
  await lines.getByText(/Ligne 4 — NOËL Jérôme : refusée : E-mail/).waitFor();
  await lines.getByText(/Ligne 5 — .* doublon ignoré de .* \(même téléphone\)/).waitFor();
  // This duplicate updates the record instead; the dry run says so at once.
  await page.getByLabel('Doublon de la ligne 5').selectOption('update');
  await page.getByText('4 lignes : 2 à créer, 1 à mettre à jour, 0 doublon(s) ignoré(s), 0 déjà importée(s), 1 refusée(s)').waitFor();
  await page.screenshot({ path: join(shots, '81-import-dry-run.png'), fullPage: true });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the import screen is ${width} px wide`);

  await page.getByRole('button', { name: 'Importer 3 fiche(s)' }).click();
  await page.getByRole('status').filter({ hasText: '4 lignes : 2 créées, 1 mises à jour, 0 doublon(s) ignoré(s), 0 déjà importée(s), 1 refusée(s)' }).waitFor({ timeout: 20000 });
  await page.getByRole('link', { name: 'Rapport de l\'import (CSV)' }).waitFor();
  await page.getByText('Imports précédents').waitFor();
  await page.screenshot({ path: join(shots, '82-import-done.png'), fullPage: true });

  const found = (await api(page, '/contacts?q=berenger')).items;
  assert.equal(found.length, 1);
  const anais = await api(page, `/contacts/${found[0].id}`);
  assert.equal(anais.first_name, 'Anaïs');
  assert.equal(anais.notes, 'salon du patrimoine,\r\nrappeler en janvier');
  assert.equal(anais.campaign, 'Import salon-2026.csv');
  const updated = await api(page, `/contacts/${demo.id}`);
  assert.equal(updated.city, 'Villeurbanne', 'the duplicate updated the record');
  await eventually(async () => (await api(page, '/contacts?q=noel%20jerome')).items.length === 0, 'the bad line not imported');
  assert.deepEqual(errors, []);
});
