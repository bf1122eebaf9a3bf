// Accessibility: every screen, as an advisor and as a manager sees it at 360 × 740, checked
// with axe-core against the WCAG 2.2 A/AA rules. No serious or critical violation is allowed;
// the full results go to target/e2e/axe.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fixture, login, shots } from './helpers.mjs';

const use = fixture();
const axeSource = readFileSync(join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js'), 'utf8');

async function api(page, path) {
  const r = await page.request.get(`${new URL(page.url()).origin}/api/v1${path}`);
  assert.equal(r.status(), 200, `GET ${path}`);
  return r.json();
}

/** Runs axe on the page as it is now (the script is given through the DevTools protocol, so the
 *  page's Content-Security-Policy stays as strict as in use). */
async function audit(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
}

async function settle(page) {
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.waitForFunction(() => ![...document.querySelectorAll('p.muted')].some((p) => p.textContent === 'Chargement…'), null, { timeout: 10000 }).catch(() => {});
  await page.waitForTimeout(300);
}

test('every screen passes axe-core with no serious or critical violation', async () => {
  const { server, page } = use();
  const results = {};
  const check = async (name, path) => {
    await page.goto(`${server.url}${path}`);
    await settle(page);
    results[name] = await audit(page);
  };
  await check('invitation', '/invitation?t=exemple');
  await check('login', '/login');
  await login(page, server.url, 'sophie.girard@demo.tournee.fr');
  const today = await api(page, '/today');
  const meeting = today.meetings[0];
  const contactId = meeting.contact_id;
  for (const [name, path] of [
    ['today', '/'],
    ['contacts', '/contacts'],
    ['contact', `/contacts/${contactId}`],
    ['contact-edit', `/contacts/${contactId}/edit`],
    ['contact-new', '/contacts/new'],
    ['agenda', '/agenda'],
    ['week', '/week'],
    ['plan', '/plan'],
    ['nearby', '/nearby'],
    ['tasks', '/tasks'],
    ['meeting', `/meetings/${meeting.id}`],
    ['report', `/meetings/${meeting.id}/report`],
    ['sync', '/sync'],
    ['sessions', '/sessions'],
    ['phoning', '/phoning'],
    ['complaints', '/complaints'],
    ['steering-advisor', '/steering'],
  ]) {
    await check(name, path);
  }
  // The manager's screens.
  await page.goto('about:blank');
  await page.context().clearCookies();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'claire.martin@demo.tournee.fr');
  await check('manager-today', '/');
  await check('statistics', '/reports');
  await check('steering', '/steering');
  await check('settings', '/settings');
  await check('imports', '/imports');
  await check('team', '/team');
  await check('week-team', '/week');
  await check('privacy', '/privacy');
  await check('contact-manager', `/contacts/${contactId}`);
  await check('complaints-manager', '/complaints');
  const complaint = (await api(page, '/complaints'))[0];
  await check('complaint', `/complaints/${complaint.id}`);
  writeFileSync(join(shots, 'axe.json'), JSON.stringify(results, null, 2));
  const bad = Object.entries(results).flatMap(([screen, vs]) =>
    vs.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${screen}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.join(' | ')}`));
  assert.deepEqual(bad, [], `axe-core found:\n${bad.join('\n')}`);
});
