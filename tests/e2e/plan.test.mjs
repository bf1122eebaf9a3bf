// "Plan my day" in the browser: the demo advisor's four meetings keep their times, overdue
// clients nearby fill the gaps, a stop moved by hand replays at once, and the day is planned
// again on the phone when the API cannot be reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, login, shots, eventually } from './helpers.mjs';

const use = fixture();

const planMs = async (page) => {
  const text = await page.getByTestId('plan-ms').innerText();
  const m = text.match(/en ([0-9.]+) ms/);
  assert.ok(m, text);
  return Number(m[1]);
};

test('advisor plans the day around fixed meetings, reorders it, and plans it offline', async () => {
  const { server, page, errors, context } = use();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'julien.bernard@demo.tournee.fr');
  await page.getByRole('link', { name: 'Planifier ma journée' }).click();
  await page.waitForURL('**/plan');
  const itinerary = page.getByRole('list', { name: 'Itinéraire' });
  await itinerary.locator('li.stop').first().waitFor();
  await page.getByRole('img', { name: 'Carte de la journée' }).waitFor();

  // The four fixed meetings, at their times, in order.
  const fixed = itinerary.locator('li.stop.fixed .time');
  assert.equal(await fixed.count(), 4);
  const times = (await fixed.allInnerTexts()).map((t) => t.split(' ')[1]);
  assert.deepEqual(times, ['09h00', '11h30', '14h30', '17h00']);
  const stops = await itinerary.locator('li.stop').count();
  assert.ok(stops > 4, `overdue clients fill the day (${stops} stops)`);
  // Lunch once, at its time, where it falls in the day, as the summary says.
  const lunch = itinerary.locator('li.lunch');
  assert.equal(await lunch.count(), 1);
  const lunchAt = (await lunch.innerText()).match(/^Déjeuner à (\d{2}h\d{2})/)?.[1];
  assert.ok(lunchAt && lunchAt >= '12h00' && lunchAt <= '14h00', await lunch.innerText());
  assert.match(await page.locator('.plan-summary').innerText(), new RegExp(`déjeuner ${lunchAt}`));
  const firstMs = await planMs(page);
  await page.screenshot({ path: join(shots, '20-plan.png'), fullPage: true });

  // The map names its places: each stop beside its pin, communes around (from the embedded
  // communes: no tile server here), a scale bar.
  const map = page.getByRole('img', { name: 'Carte de la journée' });
  const towns = await map.locator('text.town').allTextContents();
  assert.ok(towns.length >= 2, `communes named on the map: ${towns}`);
  assert.ok(await map.locator('text.stop-name').count() >= 3, 'stops named on the map');
  assert.match(await map.locator('.scale text').textContent(), /^\d+ (m|km)$/);
  await map.screenshot({ path: join(shots, '20-plan-map.png') });
  // As the browser drew them: every name inside the map, none over another.
  const boxes = await map.evaluate((svg) => [...svg.querySelectorAll('text.label')].map((t) => {
    const b = t.getBBox();
    return { text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height };
  }));
  const [width, height] = (await map.getAttribute('viewBox')).split(' ').slice(2).map(Number);
  for (const b of boxes) {
    assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= width && b.y + b.h <= height, `${b.text} inside the map: ${JSON.stringify(b)}`);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (const o of boxes.slice(i + 1)) {
      const a = boxes[i];
      const apart = a.x + a.w <= o.x || o.x + o.w <= a.x || a.y + a.h <= o.y || o.y + o.h <= a.y;
      assert.ok(apart, `${a.text} and ${o.text} do not overlap`);
    }
  }

  // One "Naviguer" per stop: a sheet of apps the first time; the choice is kept for every stop.
  await context.route('https://waze.com/**', (route) => route.fulfill({ contentType: 'text/html', body: 'Waze' }));
  await itinerary.locator('li.stop').first().getByRole('button', { name: 'Naviguer' }).click();
  const sheet = page.getByRole('dialog', { name: /^Naviguer vers / });
  const waze = sheet.getByRole('link', { name: 'Waze' });
  assert.match(await waze.getAttribute('href'), /^https:\/\/waze\.com\/ul\?ll=/);
  assert.equal(await sheet.getByRole('link').count(), 4, 'Google Maps, Waze, Plans, another app');
  await eventually(async () => (await page.evaluate(() => document.activeElement?.textContent)) === 'Google Maps',
    'the sheet takes the focus');
  await page.keyboard.press('Escape');
  await sheet.waitFor({ state: 'detached' });
  await itinerary.locator('li.stop').first().getByRole('button', { name: 'Naviguer' }).click();
  await page.screenshot({ path: join(shots, '20-plan-navigate.png') });
  const [opened] = await Promise.all([context.waitForEvent('page'), waze.click()]);
  await opened.close();
  await sheet.waitFor({ state: 'detached' });
  const direct = itinerary.locator('li.stop').nth(1).getByRole('link', { name: 'Naviguer avec Waze' });
  assert.match(await direct.getAttribute('href'), /^https:\/\/waze\.com\/ul\?ll=/);
  await context.unroute('https://waze.com/**');

  // Move the first proposed visit down: the day is replayed at once or the move is refused.
  const firstCandidate = itinerary.locator('li.stop:not(.fixed)').first();
  const name = (await firstCandidate.locator('.name').innerText()).trim();
  await firstCandidate.getByRole('button', { name: /^Descendre/ }).click();
  const replayed = page.getByTestId('plan-ms').filter({ hasText: 'ordre manuel' });
  const refused = page.getByRole('alert').filter({ hasText: 'ne tient pas' });
  await replayed.or(refused).first().waitFor();
  const reorderMs = (await replayed.count()) ? await planMs(page) : null;
  await page.screenshot({ path: join(shots, '21-plan-reordered.png'), fullPage: true });
  if (await page.getByRole('button', { name: 'Réoptimiser' }).count()) {
    await page.getByRole('button', { name: 'Réoptimiser' }).click();
  }

  // Untick a proposal: one stop fewer.
  const proposals = page.getByRole('list', { name: 'Propositions' });
  await proposals.getByRole('checkbox').first().uncheck();
  const after = await itinerary.locator('li.stop').count();
  assert.ok(after <= stops, `${after} ≤ ${stops}`);

  // Drag the proposed visit left by its handle onto the stop before it: the list shows it
  // there at once, replayed on the phone, or the move is refused and the day kept. (Changing
  // the proposals above cleared the earlier refusal, so a refusal now is this move's.)
  assert.equal(await refused.count(), 0);
  const loose = itinerary.locator('li.stop:not(.fixed)');
  const dragged = loose.last();
  const draggedName = (await dragged.locator('.name').innerText()).trim();
  const all = itinerary.locator('li.stop');
  const names = (await all.locator('.name').allInnerTexts()).map((t) => t.trim());
  const from = names.indexOf(draggedName);
  assert.ok(from > 0, `${draggedName} is not first`);
  await dragged.locator('.drag-handle').dragTo(all.nth(from - 1), { targetPosition: { x: 20, y: 5 } });
  await replayed.or(refused).first().waitFor();
  if (await replayed.count()) {
    const now = (await all.locator('.name').allInnerTexts()).map((t) => t.trim());
    assert.equal(now[from - 1], draggedName, 'the dragged stop is where it was dropped');
    assert.equal(now[from], names[from - 1], 'and the one it was dropped on moved down one');
  } else {
    assert.equal(await refused.count(), 1, 'the move was seen and refused');
    assert.deepEqual((await all.locator('.name').allInnerTexts()).map((t) => t.trim()), names);
  }
  assert.equal(await itinerary.locator('li.dragging, li.drop-target').count(), 0, 'nothing left half-dragged');
  const dragOutcome = (await replayed.count()) ? 'replayed' : 'refused';

  // The day as shown, exported to the phone's calendar: one event per stop, meetings confirmed.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Exporter ma tournée (.ics)' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^tournee-\d{4}-\d{2}-\d{2}\.ics$/);
  const ics = readFileSync(await download.path(), 'utf8');
  assert.equal(ics.match(/BEGIN:VEVENT/g).length, after);
  assert.equal(ics.match(/STATUS:CONFIRMED/g).length, 4);
  assert.match(ics, /^BEGIN:VCALENDAR\r\n/);

  // The API cut: the day is planned again on the phone from the last data.
  await page.route('**/api/v1/plan/day*', (route) => route.abort());
  await page.reload();
  await page.getByText('Hors ligne : journée calculée sur le téléphone').waitFor();
  await itinerary.locator('li.stop.fixed').first().waitFor();
  assert.equal(await itinerary.locator('li.stop.fixed').count(), 4);
  const offlineMs = await planMs(page);
  await page.screenshot({ path: join(shots, '22-plan-offline.png'), fullPage: true });
  await page.unroute('**/api/v1/plan/day*');

  // The week, from the agenda: five working days, each with its stops in order.
  await page.goto(`${server.url}/agenda`);
  await page.getByRole('link', { name: 'Planifier ma semaine' }).click();
  await page.waitForURL('**/week');
  const days = page.getByRole('list', { name: /^Journée du / });
  await days.first().waitFor({ timeout: 15000 });
  // Five working days; one with nothing to do says so instead of an empty list.
  assert.equal(await page.getByRole('heading', { level: 2 }).count(), 5);
  assert.equal(await days.count() + await page.getByText('Rien de prévu').count(), 5);
  assert.ok((await page.locator('li.stop:not(.fixed)').count()) > 0, 'due clients spread over the week');
  await page.screenshot({ path: join(shots, '24-week.png'), fullPage: true });

  // Who is nearby, computed on the phone around its position (place Bellecour).
  await context.grantPermissions(['geolocation']);
  await context.setGeolocation({ latitude: 45.7578, longitude: 4.832 });
  await page.goto(`${server.url}/nearby`);
  await page.getByRole('table', { name: 'Zones' }).waitFor();
  // No tap for the position: the page asks for it by itself; nearest first, said on screen.
  await page.getByRole('button', { name: '20 km' }).click();
  const near = page.getByRole('list', { name: 'À proximité' });
  await near.locator('li').first().waitFor();
  assert.ok((await near.locator('li').count()) > 0);
  assert.equal(await page.getByRole('button', { name: "Plus proches d'abord" }).getAttribute('aria-pressed'), 'true');
  const around = (await near.locator('li .small').allInnerTexts()).map((t) => Number(t.split(' km')[0]));
  assert.deepEqual(around, [...around].sort((a, b) => a - b), `nearest first: ${around}`);
  await page.screenshot({ path: join(shots, '23-nearby.png'), fullPage: true });

  // From a record, who else is near it: the list centres on the record and leaves it out.
  const first = near.locator('li a').first();
  const recordHref = await first.getAttribute('href');
  const recordName = (await first.locator('.name').innerText()).trim();
  await first.click();
  await page.waitForURL(`**${recordHref}`);
  await page.getByRole('link', { name: 'À proximité' }).click();
  await page.waitForURL(/\/nearby\?lat=/);
  assert.equal(await page.getByTestId('around').innerText(), `Autour de : ${recordName}`);
  await page.getByRole('button', { name: '20 km' }).click();
  await near.locator('li').first().waitFor();
  assert.equal(await near.locator(`a[href="${recordHref}"]`).count(), 0, 'the record itself is left out');
  const kms = (await near.locator('li .small').allInnerTexts()).map((t) => Number(t.split(' km')[0]));
  assert.ok(kms.every((k) => k <= 20), `all within 20 km of the record: ${kms}`);

  writeFileSync(join(shots, 'plan-metrics.json'), JSON.stringify({ stops, firstMs, reorderMs, offlineMs, moved: name, dragOutcome }) + '\n');
  console.log(`day plan in the browser: ${stops} stops, ${firstMs} ms (first), ${offlineMs} ms (offline)`);
  // The time is reported (plan-metrics.json, docs/benchmarks.md), not asserted: a timed
  // assertion fails on a busy machine (23.2 ms once in CI) without anything being wrong.
  const real = errors.filter((e) => !e.includes('net::ERR_FAILED'));
  assert.deepEqual(real, [], 'no error in the browser console');
});

test('screens load on demand, then stay available with the network cut', async () => {
  const { server, page, errors, context } = use();
  // The page is shared with the tests before: its screen may still be fetching chunks ahead.
  // A blank page first stops that, so the requests counted are this load's (once in CI a
  // chunk of the page before came first).
  await page.goto('about:blank');
  const wasm = [];
  const onRequest = (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); };
  page.on('request', onRequest);
  await page.goto(`${server.url}/`);
  await page.getByRole('link', { name: 'Planifier ma journée' }).waitFor();
  // The first load carries the main module only (the chunks of Today's screen are in it).
  assert.equal(wasm[0], '/pkg/tournee_bg.wasm');
  // Once idle, the app fetches every other screen's code ahead.
  const manifest = await (await fetch(`${server.url}/pkg/__wasm_split_manifest.json`)).json();
  const chunks = new Set(Object.values(manifest).flat().map((c) => `/pkg/${c}.wasm`));
  assert.ok(chunks.size > 0, 'the bundle is split');
  const end = Date.now() + 15000;
  while ([...chunks].some((c) => !wasm.includes(c)) && Date.now() < end) await page.waitForTimeout(100);
  assert.deepEqual([...chunks].filter((c) => !wasm.includes(c)), [], 'every chunk prefetched');
  await page.waitForLoadState('networkidle');

  // Network cut: moving to another screen needs no download, and the day is planned on the phone.
  await context.setOffline(true);
  try {
    await page.getByRole('link', { name: 'Planifier ma journée' }).click();
    await page.waitForURL('**/plan');
    await page.getByText('Hors ligne : journée calculée sur le téléphone').waitFor();
    assert.equal(await page.getByRole('list', { name: 'Itinéraire' }).locator('li.stop.fixed').count(), 4);
    await page.getByRole('link', { name: 'Tâches' }).click();
    await page.waitForURL('**/tasks');
    await page.getByRole('heading', { name: 'Tâches' }).waitFor();
  } finally {
    await context.setOffline(false);
    page.off('request', onRequest);
  }
  const real = errors.filter((e) => !e.includes('net::ERR_FAILED') && !e.includes('ERR_INTERNET_DISCONNECTED'));
  assert.deepEqual(real, [], 'no error in the browser console');
});
