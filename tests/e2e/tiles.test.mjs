// The day's map with the agency's tile server underneath: a local server that speaks the
// slippy-map protocol (/{z}/{x}/{y}.png) stands in for OpenStreetMap's. The tiles sit under the
// app's own drawing, line up with it, and the drawing stays whole when they cannot load.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fixture, login, shots } from './helpers.mjs';

// A 1×1 PNG: what matters is which tiles the phone asks for.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const asked = [];
const tiles = createServer((req, res) => {
  const m = req.url.match(/^\/tiles\/(\d+)\/(\d+)\/(\d+)\.png$/);
  if (!m) { res.writeHead(404).end(); return; }
  asked.push(m.slice(1).map(Number));
  res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end(png);
});
await new Promise((r) => tiles.listen(0, '127.0.0.1', r));

const use = fixture({
  env: {
    TOURNEE_MAP_TILES_URL: `http://127.0.0.1:${tiles.address().port}/tiles/{z}/{x}/{y}.png`,
    TOURNEE_MAP_TILES_ATTRIBUTION: '© contributeurs OpenStreetMap',
  },
});

after(() => tiles.close());

test('the day map draws the configured tiles under the route, and does without them offline', async () => {
  const { server, page, errors } = use();
  await page.goto(`${server.url}/login`);
  await login(page, server.url, 'julien.bernard@demo.tournee.fr');
  await page.goto(`${server.url}/plan`);
  const map = page.getByRole('img', { name: 'Carte de la journée' });
  await map.locator('.pin').first().waitFor();
  const images = map.locator('.tiles image');
  const count = await images.count();
  assert.ok(count >= 1 && count <= 12, `a few tiles cover the map (${count})`);
  // Every tile shown was fetched from the tile server, all at one zoom, around Lyon.
  for (let i = 0; i < 50 && asked.length < count; i++) await page.waitForTimeout(100);
  const hrefs = await images.evaluateAll((els) => els.map((e) => e.getAttribute('href')));
  const shown = hrefs.map((h) => h.match(/\/tiles\/(\d+)\/(\d+)\/(\d+)\.png$/).slice(1).map(Number));
  for (const t of shown) assert.ok(asked.some((a) => a.join() === t.join()), `tile ${t} fetched`);
  const z = shown[0][0];
  assert.ok(shown.every((t) => t[0] === z) && z >= 9 && z <= 15, `one zoom level, city scale (${z})`);
  const n = 2 ** z;
  const lyon = [Math.floor((4.832 + 180) / 360 * n), Math.floor((1 - Math.asinh(Math.tan(45.7578 * Math.PI / 180)) / Math.PI) / 2 * n)];
  assert.ok(shown.some((t) => Math.abs(t[1] - lyon[0]) <= 2 && Math.abs(t[2] - lyon[1]) <= 2), `near Lyon's tile ${lyon}: ${JSON.stringify(shown)}`);
  // The tiles are under the drawing, and credited.
  const order = await map.evaluate((svg) => [...svg.children].map((c) => c.getAttribute('class') || c.tagName));
  assert.ok(order.indexOf('tiles') < order.indexOf('route'), order.join());
  assert.equal(await map.locator('text.credit').textContent(), '© contributeurs OpenStreetMap');
  await page.screenshot({ path: join(shots, '25-plan-tiles.png') });

  // Tile server unreachable: the drawing is complete all the same.
  const pins = await map.locator('.pin').count();
  await page.route('**/tiles/**', (route) => route.abort());
  await page.reload();
  await map.locator('.pin').first().waitFor();
  assert.equal(await map.locator('.pin').count(), pins);
  await page.unroute('**/tiles/**');
  const real = errors.filter((e) => !e.includes('net::ERR_FAILED'));
  assert.deepEqual(real, []);
});
