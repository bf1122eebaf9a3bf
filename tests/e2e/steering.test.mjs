// The agency's steering at 360 × 740: an advisor adds an offer on a record, moves its
// prognosis in one tap (online, then offline — it reaches the server once back online) and
// reads its history; a wrong amount is refused with a French message and nothing typed is
// lost. The manager sets the prognosis rule, then opens the pipeline: chart, tables, CSV.
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

async function fits(page, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `${what} is ${width} px wide`);
}

async function syncLine(page) {
  const line = page.locator('.syncline');
  if ((await line.count()) === 0) return { state: null, pending: null, text: '' };
  return {
    state: await line.getAttribute('data-state'),
    pending: Number(await line.getAttribute('data-pending')),
    text: (await line.innerText()).trim(),
  };
}

async function synced(page, what) {
  await eventually(async () => {
    const s = await syncLine(page);
    return s.state === 'online' && s.pending === 0 && s.text.startsWith('À jour');
  }, what, 20000);
}

test('an advisor adds an offer and moves its prognosis, online and offline; the manager sees the pipeline', async () => {
  const { server, page, context, errors } = use();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'julien.bernard@demo.tournee.fr');
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.goto(`${server.url}/`);
  await synced(page, 'the first sync');

  // A prospect of Julien's, contacted, without offers.
  const me = await api(page, '/auth/me');
  const list = (await api(page, `/contacts?stage=contacted&owner=${me.user_id}&limit=50`)).items;
  let target = null;
  for (const c of list) {
    if ((await api(page, `/contacts/${c.id}/offers`)).offers.length === 0) { target = c; break; }
  }
  assert.ok(target, 'a contacted prospect without offers');
  await page.goto(`${server.url}/contacts/${target.id}`);
  const offers = page.getByRole('region', { name: 'Offres' });
  await offers.getByText('Aucune offre sur ce dossier.').waitFor();

  // A wrong amount: a French message, what was typed stays.
  await offers.getByRole('button', { name: 'Ajouter une offre' }).click();
  await offers.getByLabel('Famille de produits').selectOption({ label: 'Épargne' });
  await offers.getByLabel('Intitulé').fill('Assurance-vie, versement initial');
  await offers.getByLabel('Montant (€)').fill('douze mille');
  await offers.getByRole('button', { name: "Enregistrer l'offre" }).click();
  await offers.getByRole('alert').getByText('Montant : montant en euros attendu').waitFor();
  assert.equal(await offers.getByLabel('Intitulé').inputValue(), 'Assurance-vie, versement initial');

  await offers.getByLabel('Montant (€)').fill('12 000');
  await offers.getByLabel('Mois de signature prévu').fill('2027-03');
  await offers.getByLabel('Pronostic', { exact: true }).selectOption('40');
  await offers.getByRole('button', { name: "Enregistrer l'offre" }).click();
  await page.locator('.toast', { hasText: 'Offre ajoutée' }).waitFor();
  const steps = offers.getByRole('group', { name: /Pronostic de l'offre Épargne/ });
  await steps.getByRole('button', { name: '40 %', pressed: true }).waitFor();
  await offers.getByText('Pronostic global : 40 %').waitFor();

  // One tap moves the prognosis.
  await steps.getByRole('button', { name: '60 %' }).click();
  await page.locator('.toast', { hasText: 'Pronostic : 40 % → 60 %' }).waitFor();
  await steps.getByRole('button', { name: '60 %', pressed: true }).waitFor();
  await fits(page, 'the record with its offers');

  // Offline: the tap is kept on the phone and shown at once.
  await context.setOffline(true);
  await eventually(async () => (await syncLine(page)).state === 'offline', 'the phone says it is offline');
  await steps.getByRole('button', { name: '80 %' }).click();
  await page.locator('.toast', { hasText: 'Enregistré sur ce téléphone' }).waitFor();
  await steps.getByRole('button', { name: '80 %', pressed: true }).waitFor();
  await page.getByRole('region', { name: "En attente d'envoi" }).getByText(/pronostic 80 %/).waitFor();
  await page.screenshot({ path: join(shots, '70-offer-offline.png'), fullPage: true });
  await context.setOffline(false);
  await synced(page, 'the prognosis change sent after the network came back');

  const [offer] = (await api(page, `/contacts/${target.id}/offers`)).offers;
  assert.equal(offer.prognosis, 80);
  const history = await api(page, `/offers/${offer.id}/history`);
  assert.deepEqual(history.map((h) => [h.from, h.to]), [[null, 40], [40, 60], [60, 80]], 'every change kept, once');
  await page.reload();
  await offers.getByRole('button', { name: 'Historique du pronostic' }).click();
  const lines = offers.getByRole('list', { name: 'Historique du pronostic' }).locator('li');
  await eventually(async () => (await lines.count()) === 3, 'three lines of history');
  assert.match(await lines.nth(2).innerText(), /Julien Bernard : 60 % → 80 %/);
  await page.screenshot({ path: join(shots, '71-offer-history.png'), fullPage: true });

  // The manager: the rule of the global prognosis, then the pipeline.
  await page.goto('about:blank');
  await context.clearCookies();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'claire.martin@demo.tournee.fr');
  await page.goto(`${server.url}/settings`);
  await page.getByLabel('Règle').waitFor();
  await page.getByLabel('Règle').selectOption('weighted');
  await page.getByRole('button', { name: 'Enregistrer les réglages' }).click();
  await page.locator('.toast', { hasText: 'Réglages enregistrés' }).waitFor();
  assert.equal((await api(page, '/agency/settings')).prognosis_rule, 'weighted');
  // What shapes every record, on the same screen: weights that do not make 100 are refused in
  // French before sending; a new sector and a VIP band are saved.
  await page.getByLabel('Encours confiés').fill('50');
  await page.getByLabel('Encours confiés').dispatchEvent('change');
  await page.getByRole('button', { name: 'Enregistrer les réglages' }).click();
  await page.getByText('Segments : poids : la somme des pondérations doit faire 100 % (elle fait 110 %)').waitFor();
  await page.getByLabel('Encours confiés').fill('40');
  await page.getByLabel('Encours confiés').dispatchEvent('change');
  await page.getByLabel('VIP à partir de').fill('80');
  await page.getByLabel('VIP à partir de').dispatchEvent('change');
  await page.getByLabel('Nouveau secteur').fill('Croix-Rousse');
  await page.getByRole('button', { name: 'Ajouter' }).last().click();
  await page.getByLabel('Codes postaux de « Croix-Rousse »').fill('69004, 69001');
  await page.getByLabel('Codes postaux de « Croix-Rousse »').dispatchEvent('change');
  await page.getByRole('button', { name: 'Enregistrer les réglages' }).click();
  await eventually(async () => (await api(page, '/agency/settings')).segment_bands.vip === 80, 'the VIP band saved');
  const saved = await api(page, '/agency/settings');
  assert.deepEqual(saved.sectors.find((s) => s.name === 'Croix-Rousse').postcodes, ['69004', '69001']);
  await fits(page, 'the settings');

  await page.goto(`${server.url}/steering`);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  // The KPIs against their targets, the week against the weekly targets, the funnel, the film.
  const kpis = page.getByRole('list', { name: 'Indicateurs' });
  await kpis.getByText('Transformation RDV → clients').waitFor();
  assert.equal(await kpis.locator('li').count(), 5);
  await page.getByRole('region', { name: 'Objectifs de la semaine' }).getByText('Julien Bernard').waitFor();
  await page.getByRole('img', { name: /RDV tenus par semaine/ }).waitFor();
  await page.getByRole('img', { name: 'Entonnoir : dossiers par étape' }).waitFor();
  await page.getByRole('region', { name: 'Taux de transformation par conseiller' }).getByText('Sophie Girard').waitFor();
  await page.getByRole('region', { name: 'Taux de transformation par campagne' }).getByText('Parrainage clients').waitFor();
  await page.getByRole('img', { name: 'Pipeline par mois de signature' }).waitFor();
  const table = page.getByRole('region', { name: 'Pipeline par mois' });
  await table.getByText('mars 2027').waitFor();
  await page.getByRole('region', { name: 'Pipeline par conseiller' }).getByText('Julien Bernard').waitFor();
  const csv = await page.request.get(`${server.url}/api/v1/statistics/pipeline.csv`);
  assert.equal(csv.status(), 200);
  assert.match(await csv.text(), /^mois;offres en cours/);
  await fits(page, 'the steering');
  await page.screenshot({ path: join(shots, '72-steering-pipeline.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('an advisor logs a complaint and takes it step by step; the manager sees the late ones first', async () => {
  const { server, page, context, errors } = use();
  await page.goto('about:blank');
  await context.clearCookies();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'julien.bernard@demo.tournee.fr');
  const me = await api(page, '/auth/me');
  const client = (await api(page, `/contacts?stage=client&owner=${me.user_id}&limit=1`)).items[0];
  await page.goto(`${server.url}/contacts/${client.id}`);
  const card = page.getByRole('region', { name: 'Réclamations' });
  await card.getByRole('button', { name: 'Noter une réclamation' }).click();
  await card.getByLabel('Reçue par').selectOption('email');
  // Nothing described: a French message, nothing sent.
  await card.getByRole('button', { name: 'Enregistrer la réclamation' }).click();
  await card.getByRole('alert').getByText('décrivez la réclamation').waitFor();
  await card.getByLabel('Ce que dit le client').fill('Relevé annuel jamais reçu.');
  await card.getByRole('button', { name: 'Enregistrer la réclamation' }).click();
  await page.locator('.toast', { hasText: 'accusé de réception sous 24 h' }).waitFor();
  await card.getByRole('link', { name: /Reçue le/ }).first().click();

  // Its clocks, then its steps.
  await page.getByRole('region', { name: 'Délais' }).getByText('Accusé de réception sous 24 h').waitFor();
  await page.getByRole('region', { name: 'Délais' }).getByText('Réponse sous 2 mois (ACPR)').waitFor();
  await page.getByLabel('Ce qui a été dit au client').fill('Remercié, réponse sous huit jours.');
  await page.getByRole('button', { name: 'Valider : accusé de réception envoyé' }).click();
  await page.locator('.toast', { hasText: 'Réclamation : accusé de réception envoyé' }).waitFor();
  await page.getByLabel('Nature').selectOption('technical');
  await page.getByRole('button', { name: 'Valider : enregistrée' }).click();
  await page.locator('.toast', { hasText: 'Réclamation : enregistrée' }).waitFor();
  await page.getByLabel('Réponse apportée au client').fill('Relevé renvoyé, excuses.');
  await page.getByLabel('Cas grave').check();
  await page.getByRole('button', { name: 'Valider : traitée' }).click();
  await page.getByRole('alert').getByText('une réclamation grave se traite par téléphone').waitFor();
  await page.getByLabel('Réponse donnée par téléphone').check();
  await page.getByRole('button', { name: 'Valider : traitée' }).click();
  await page.locator('.toast', { hasText: 'Réclamation : traitée' }).waitFor();
  const steps = page.getByRole('list', { name: 'Étapes' }).locator('li');
  await eventually(async () => (await steps.count()) === 4, 'four steps in the history');
  assert.match(await steps.nth(3).innerText(), /Traitée — .* — Julien Bernard/);
  await fits(page, 'a complaint');
  await page.screenshot({ path: join(shots, '73-complaint.png'), fullPage: true });

  // The manager: the dashboard, the late ones first.
  await page.goto('about:blank');
  await context.clearCookies();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'claire.martin@demo.tournee.fr');
  await page.goto(`${server.url}/complaints`);
  const board = page.getByRole('region', { name: 'Tableau de bord des réclamations' });
  await board.getByText(/\d+ en retard/).waitFor();
  const first = page.getByRole('list', { name: 'Liste des réclamations' }).locator('li').first();
  await first.getByText('En retard').waitFor();
  await fits(page, 'the complaints');
  await page.screenshot({ path: join(shots, '74-complaints-dashboard.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('a short phoning session: one tap per outcome, the tally, and no fourth follow-up', async () => {
  const { server, page, context, errors } = use();
  await page.goto('about:blank');
  await context.clearCookies();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'sophie.girard@demo.tournee.fr');
  await page.getByRole('link', { name: 'Séance de phoning' }).click();
  await page.getByRole('button', { name: 'Démarrer une séance' }).click();
  const list = page.getByRole('list', { name: 'À appeler' });
  const first = list.locator('li').first();
  await first.getByText('Relances : 0/3').waitFor();
  const name = (await first.locator('a.name').innerText()).trim();
  const outcomes = first.getByRole('group', { name: `Issue de l'appel à ${name}` });
  for (let n = 1; n <= 3; n++) {
    await outcomes.getByRole('button', { name: 'Pas de réponse' }).click();
    await first.getByText(`Relances : ${n}/3`).waitFor();
  }
  await page.getByRole('region', { name: 'Bilan de la séance' }).getByText('3 composé(s) · 0 joint(s) · 0 RDV').waitFor();
  // The fourth: refused on the phone, with the day it becomes possible again.
  await outcomes.getByRole('button', { name: 'Joint', exact: true }).click();
  await first.getByRole('alert').getByText(/Relance refusée : déjà 3 relances/).waitFor();

  // Another person: a refusal with the objection heard.
  const second = list.locator('li').nth(1);
  const name2 = (await second.locator('a.name').innerText()).trim();
  await second.getByRole('group', { name: `Issue de l'appel à ${name2}` }).getByRole('button', { name: 'Refus' }).click();
  await second.getByLabel('Objection').selectOption({ index: 1 });
  await second.getByRole('button', { name: 'Noter' }).click();
  await page.locator('.toast', { hasText: 'Appel noté : refus' }).waitFor();
  await page.getByRole('region', { name: 'Bilan de la séance' }).getByText('4 composé(s) · 1 joint(s) · 0 RDV').waitFor();
  await fits(page, 'the phoning session');
  await page.screenshot({ path: join(shots, '75-phoning.png'), fullPage: true });

  // The server has the four calls, and refuses a fourth follow-up from anywhere.
  const target = (await api(page, '/phoning/list')).find((i) => i.name === name);
  assert.equal(target.follow_ups, 3);
  const r = await page.request.post(`${server.url}/api/v1/contacts/${target.contact_id}/interactions`, {
    data: { kind: 'call', outcome: 'reached', session_id: '0190aaaa-0000-7000-8000-000000000001' },
  });
  assert.equal(r.status(), 409);
  await page.getByRole('button', { name: 'Terminer la séance' }).click();
  await page.locator('.toast', { hasText: 'Séance terminée : 4 appel(s), 1 joint(s), 0 RDV' }).waitFor();
  assert.deepEqual(errors, []);
});
