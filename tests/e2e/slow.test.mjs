// A slow network in a car park: the page shows before its code has arrived. What the advisor
// types in that moment is kept, and a tap on "Se connecter" before the code is there still
// signs in (the form posts to the server by itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, eventually } from './helpers.mjs';

// The code is held back with page.route, which a service worker's cached copy would bypass.
const use = fixture({ serviceWorkers: 'block' });

/** Holds every WebAssembly file back until the returned function is called. */
async function holdCode(page) {
  let release;
  const held = new Promise((r) => (release = r));
  await page.route('**/pkg/*.wasm', async (route) => {
    await held;
    await route.continue();
  });
  return async () => {
    release();
    await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 15000 });
    await page.unroute('**/pkg/*.wasm');
  };
}

const hydrated = (page) => page.locator('html[data-hydrated]').count();

test('text typed before the page code arrives is kept, in the login form and in a new contact', async () => {
  const { server, page, errors } = use();
  const email = 'sophie.girard@demo.tournee.fr';

  let release = await holdCode(page);
  await page.goto(`${server.url}/login`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Mot de passe').fill('tournee-demo');
  assert.equal(await hydrated(page), 0, 'the code is still held back');
  await release();
  assert.equal(await page.getByLabel('E-mail').inputValue(), email);
  assert.equal(await page.getByLabel('Mot de passe').inputValue(), 'tournee-demo');
  // The app itself got the text: signing in now goes through it, with no page load.
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${server.url}/`);
  await page.getByRole('heading', { name: "Aujourd'hui" }).waitFor();

  // A screen loaded on demand (the record screens) hydrates later still: same guarantee, and
  // the draft saved from the replayed typing survives a reload.
  release = await holdCode(page);
  await page.goto(`${server.url}/contacts/new`);
  await page.getByLabel('Prénom').fill('Gaëlle');
  await page.getByLabel('Nom', { exact: true }).fill('Avant-Chargement');
  await release();
  assert.equal(await page.getByLabel('Prénom').inputValue(), 'Gaëlle');
  assert.equal(await page.getByLabel('Nom', { exact: true }).inputValue(), 'Avant-Chargement');
  await page.reload();
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByLabel('Nom', { exact: true }).waitFor();
  for (let i = 0; i < 50 && (await page.getByLabel('Nom', { exact: true }).inputValue()) !== 'Avant-Chargement'; i++) {
    await page.waitForTimeout(100);
  }
  assert.equal(await page.getByLabel('Nom', { exact: true }).inputValue(), 'Avant-Chargement', 'the draft has it');
  assert.equal(await page.getByLabel('Prénom').inputValue(), 'Gaëlle');
  assert.deepEqual(errors, []);
});

test('text typed while the screen\'s own piece of code arrives is kept too', async () => {
  const { server, page, context, errors } = use();
  await page.goto('about:blank');
  await context.clearCookies();
  // The main module runs at once; the login page's group (a piece loaded on demand) is held.
  let release;
  const held = new Promise((r) => (release = r));
  let asked = false;
  await page.route(/\/pkg\/split_.*\.wasm$/, async (route) => {
    asked = true;
    await held;
    await route.continue();
  });
  await page.goto(`${server.url}/login`);
  for (let i = 0; i < 100 && !asked; i++) await page.waitForTimeout(50);
  assert.ok(asked, 'the page asked for its piece of code');
  await page.getByLabel('E-mail').fill('sophie.girard@demo.tournee.fr');
  await page.getByLabel('Mot de passe').fill('tournee-demo');
  assert.equal(await hydrated(page), 0, 'the page waits for its piece of code');
  release();
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 15000 });
  await page.unroute(/\/pkg\/split_.*\.wasm$/);
  assert.equal(await page.getByLabel('E-mail').inputValue(), 'sophie.girard@demo.tournee.fr');
  assert.equal(await page.getByLabel('Mot de passe').inputValue(), 'tournee-demo');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${server.url}/`);
  assert.deepEqual(errors, []);
});

test('a tap on "Se connecter" before the page code arrives still signs in, or says why not', async () => {
  const { server, page, context } = use();
  // Off the app first: a signed-in page whose session disappears goes to the login page by
  // itself (its background sync gets a 401), which would race with the navigation below.
  await page.goto('about:blank');
  await context.clearCookies();
  await page.route('**/pkg/*.wasm', (route) => route.abort());
  await page.goto(`${server.url}/login`);
  await page.getByLabel('E-mail').fill('sophie.girard@demo.tournee.fr');
  await page.getByLabel('Mot de passe').fill('pas-le-bon');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/login\?erreur=identifiants$/);
  assert.equal(await hydrated(page), 0, 'no code ran');
  assert.ok(!page.url().includes('pas-le-bon'), 'the password never goes into an address');
  assert.equal(await page.getByRole('alert').innerText(), 'E-mail ou mot de passe incorrect.');

  // Another user on the phone Sophie used until now: the server signs Claire in by itself…
  const owner = () => page.evaluate(() => JSON.parse(localStorage.getItem('tournee.replica.owner')));
  const sophie = await owner();
  assert.ok(sophie, 'the phone held Sophie\'s replica');
  await page.getByLabel('E-mail').fill('claire.martin@demo.tournee.fr');
  await page.getByLabel('Mot de passe').fill('tournee-demo');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${server.url}/?connexion`);
  assert.ok((await context.cookies()).some((c) => c.name === 'tournee_session' && c.httpOnly));
  // …and once the code runs, it makes the phone Claire's before any sync (Sophie's replica
  // erased, Claire kept as the user), then opens Today again.
  await page.unroute('**/pkg/*.wasm');
  await page.reload();
  await page.waitForURL(`${server.url}/`);
  const me = await (await page.request.get(`${server.url}/api/v1/auth/me`)).json();
  assert.notEqual(me.user_id, sophie);
  await eventually(async () => (await owner()) === me.user_id, 'the phone is Claire\'s');
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('tournee.replica.me')));
  assert.equal(kept.user_id, me.user_id);
  // A manager's screen knows she is the manager (it read Sophie, an advisor, before).
  await page.goto(`${server.url}/settings`);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  const save = page.getByRole('button', { name: 'Enregistrer les réglages' });
  await eventually(async () => save.isEnabled(), 'the settings can be saved');
});
