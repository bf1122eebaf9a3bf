// Benchmark of the phone's replica in headless Chromium (not a test: figures for
// docs/benchmarks.md). Run by scripts/bench-browser.sh; needs the client bundle and a server
// binary (TOURNEE_BIN, default target/release/tournee).
//
// For each agency size (BENCH_SIZES, default "10000 100000" records):
// - first sync: a new phone (empty browser profile) signs in as the manager, who sees the
//   whole agency; from the tap on "Se connecter" to the sync line saying "À jour" — the pull
//   of every record, meeting and task and their IndexedDB writes included;
// - local search: network cut, the contact list searched by 40 queries (names, towns,
//   postcodes, prefixes); from the keystroke to the results list redrawn, p50 / p95.
// The agency is made once per size by `tournee serve --demo --demo-records N` and kept under
// target/bench/ for later runs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { root } from '../helpers.mjs';

const bin = process.env.TOURNEE_BIN || join(root, 'target', 'release', 'tournee');
const sizes = (process.env.BENCH_SIZES || '10000 100000').split(/\s+/).filter(Boolean).map(Number);
const dir = join(root, 'target', 'bench');
mkdirSync(dir, { recursive: true });

async function serve(records) {
  const db = join(dir, `replica-${records}.db`);
  const fresh = !existsSync(db);
  const port = 21000 + Math.floor(Math.random() * 10000);
  const env = { ...process.env, TOURNEE_DATABASE_URL: `sqlite://${db}`, TOURNEE_LISTEN: `127.0.0.1:${port}`,
    TOURNEE_SITE_ROOT: join(root, 'target', 'site'), TOURNEE_LOG: 'warn' };
  const started = Date.now();
  const child = spawn(bin, ['serve', '--demo', '--demo-records', String(records)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    try { if ((await fetch(`${url}/healthz`)).ok) break; } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  if (fresh) console.log(`  agency of ${records} records made in ${((Date.now() - started) / 1000).toFixed(0)} s (${(statSync(db).size / 1e6).toFixed(0)} MB)`);
  return { url, stop: () => child.kill('SIGINT') };
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function run(records) {
  const server = await serve(records);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    // The browser keeps 250 resource timings by default: a first sync of 100 000 records
    // makes more requests than that.
    await context.addInitScript(() => performance.setResourceTimingBufferSize(100000));
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
    await page.getByLabel('E-mail').fill('claire.martin@demo.tournee.fr');
    await page.getByLabel('Mot de passe').fill('tournee-demo');
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.locator('.syncline[data-state="online"]', { hasText: 'À jour' }).waitFor({ timeout: 600_000 });
    const firstSync = Date.now() - t0;
    // The rows the replica holds: its segments replayed as the app does (app/src/replica/idb.rs).
    const rows = await page.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open('tournee');
      open.onsuccess = () => {
        const all = open.result.transaction('segments').objectStore('segments').getAll();
        all.onsuccess = () => {
          const held = new Set();
          for (const text of all.result) {
            const segment = JSON.parse(text);
            if (segment.clear) held.clear();
            for (const [kind, id] of segment.remove || []) held.delete(`${kind}/${id}`);
            for (const change of segment.put || []) held.add(`${change.kind}/${change.row?.id ?? '-'}`);
            // A pulled page kept as received: its removals told apart as the app does
            // (shared::sync::engine::split_pulled).
            for (const change of segment.pulled || []) {
              if (change.kind === 'contact' && change.row.deleted) held.delete(`contact/${change.row.id}`);
              else if (change.kind === 'contact_removed') held.delete(`contact/${change.row.id}`);
              else if (change.kind === 'task_removed') held.delete(`task/${change.row.id}`);
              else held.add(`${change.kind}/${change.row?.id ?? '-'}`);
            }
          }
          resolve(held.size);
        };
        all.onerror = () => reject(all.error);
      };
      open.onerror = () => reject(open.error);
    }));
    console.log(`  first sync, ${records} records: ${(firstSync / 1000).toFixed(2)} s from login to "À jour" (${rows} rows in IndexedDB)`);
    // Where the time went: the page after login starting, the pulls on the wire, the phone's
    // work between them (parsing, IndexedDB).
    const t = await page.evaluate(() => ({
      origin: performance.timeOrigin,
      pulls: performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/sync/pull'))
        .map((e) => ({ start: e.startTime, requestStart: e.requestStart, end: e.responseEnd })),
    }));
    if (t.pulls.length > 0) {
      const first = t.pulls[0];
      const last = t.pulls[t.pulls.length - 1];
      // A pull is asked for while the previous page is read and written: the time with at
      // least one pull on the wire, and the phone's time with none.
      let wire = 0;
      let until = -Infinity;
      for (const p of [...t.pulls].sort((a, b) => a.start - b.start)) {
        wire += Math.max(0, p.end - Math.max(p.start, until));
        until = Math.max(until, p.end);
      }
      const span = last.end - first.start;
      console.log(`    login → Today's page: ${(t.origin - t0).toFixed(0)} ms; → first pull sent: ${(t.origin + first.start - t0).toFixed(0)} ms; ` +
        `${t.pulls.length} pulls over ${span.toFixed(0)} ms, of which ${wire.toFixed(0)} ms with a pull on the wire and ${(span - wire).toFixed(0)} ms with none; ` +
        `last pull in → "À jour": ${(t0 + firstSync - t.origin - last.end).toFixed(0)} ms`);
    }

    // Local search, network cut.
    // Opening the app again: the replica read back from IndexedDB, then a sync with nothing new.
    const tOpen = Date.now();
    await page.goto(`${server.url}/contacts`);
    await page.getByRole('list', { name: 'Résultats' }).waitFor();
    await page.locator('.syncline[data-state="online"]', { hasText: 'À jour' }).waitFor({ timeout: 120_000 });
    console.log(`  opening the contact list again: ${Date.now() - tOpen} ms until the replica is read and in sync`);
    await context.setOffline(true);
    const box = page.getByRole('searchbox').or(page.getByLabel(/Rechercher/)).first();
    const words = ['mar', 'lyon', 'dup', 'villeurbanne', '69003', 'ber', 'saint', 'ro', 'fon', 'ecu',
      'garcia', 'vign', 'mor', 'caluire', 'bro', 'le', 'pet', 'dur', 'la', 'fa'];
    const queries = [...words, ...words.map((w) => w.slice(0, 2))];
    const times = [];
    for (const q of queries) {
      const ms = await page.evaluate(async (q) => {
        const input = document.querySelector('input[type="search"]');
        const list = document.querySelector('[aria-label="Résultats"]')?.parentElement || document.body;
        return await new Promise((resolve) => {
          let t0;
          const seen = new MutationObserver(() => { seen.disconnect(); resolve(performance.now() - t0); });
          seen.observe(list, { childList: true, subtree: true, characterData: true });
          t0 = performance.now();
          input.value = q;
          input.dispatchEvent(new Event('input', { bubbles: true }));
          setTimeout(() => { seen.disconnect(); resolve(NaN); }, 5000);
        });
      }, q);
      times.push(ms);
      if (process.env.BENCH_VERBOSE) console.log(`    ${q}: ${ms.toFixed(1)} ms`);
      await page.waitForTimeout(50);
    }
    // The first keystroke after the page opened also waits for the replica to be read from
    // IndexedDB and the search index to be built: reported apart from the others.
    const [first, ...rest] = times;
    const ok = rest.filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
    console.log(`  local search offline over ${records} records: p50 ${pct(ok, 50).toFixed(1)} ms, p95 ${pct(ok, 95).toFixed(1)} ms, max ${ok[ok.length - 1].toFixed(1)} ms ` +
      `(${ok.length}/${rest.length} queries redrew the list); the first keystroke after opening the page: ${first.toFixed(1)} ms`);
    void box;
  } finally {
    await browser.close();
    server.stop();
  }
}

for (const n of sizes) {
  console.log(`replica benchmark, ${n} records:`);
  await run(n);
}
