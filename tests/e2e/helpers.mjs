// Shared pieces of the browser tests: start a real `tournee` server on a fresh database,
// launch Debian's Chromium through playwright-core, and shoot screenshots under target/.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const shots = join(root, 'target', 'e2e');
mkdirSync(shots, { recursive: true });

/** Starts `tournee serve --demo` on a free port and a new database; resolves with its URL.
 *  `extraEnv` adds configuration (e.g. a tile server). */
export async function startServer(extraEnv = {}) {
  const bin = process.env.TOURNEE_BIN || join(root, 'target', 'debug', 'tournee');
  const dir = mkdtempSync(join(tmpdir(), 'tournee-e2e-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = {
    ...process.env,
    TOURNEE_DATABASE_URL: process.env.TOURNEE_E2E_DATABASE_URL
      ? freshPostgres(process.env.TOURNEE_E2E_DATABASE_URL)
      : `sqlite://${join(dir, 'e2e.db')}`,
    TOURNEE_LISTEN: `127.0.0.1:${port}`,
    TOURNEE_SITE_ROOT: join(root, 'target', 'site'),
    ...extraEnv,
  };
  const child = spawn(bin, ['serve', '--demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    try {
      const r = await fetch(`${url}/api/v1/openapi.json`);
      if (r.ok) return { url, stop: () => child.kill('SIGINT'), kill: () => child.kill('SIGKILL'), output: () => output };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`server did not start: ${output}`);
}

/** A new database on the PostgreSQL server of `url`, for one server: like a new SQLite file,
 *  every test file starts from the demo agency alone, whatever the files before it did. */
function freshPostgres(url) {
  const name = `tournee_e2e_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  execFileSync('psql', [url, '-qc', `CREATE DATABASE ${name}`]);
  return url.replace(/\/[^/]*$/, `/${name}`);
}

/** A phone-sized page in headless Chromium. `serviceWorkers: 'block'` for tests that hold
 *  back or cut requests with page.route (a service worker's fetches bypass it). */
export async function phone({ serviceWorkers = 'allow' } = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  // The phone is on the agency's clock (Europe/Paris), as an advisor's phone in France is;
  // the machine running the tests may be on UTC, and the two disagree on the day for an hour.
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR', timezoneId: 'Europe/Paris', hasTouch: true, isMobile: true, serviceWorkers });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // JS errors and panics count; expected HTTP answers (a 401 before login) are checked by the
  // tests themselves, but any 5xx is an error.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`); });
  return { browser, context, page, errors };
}

/** Polls `check` until it returns true (5 s by default). */
export async function eventually(check, what, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Signs a demo user in (password of the demo) and waits for the Today screen. */
export async function login(page, url, email) {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Mot de passe').fill('tournee-demo');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${url}/`);
}

/** A test file's setting: a fresh server (with `env` added to its configuration) and a phone,
 *  started before its tests and stopped after them. Returns what a test uses: `const { server, page, errors } = use();`. */
export function fixture({ env = {}, serviceWorkers } = {}) {
  let server;
  let b;
  before(async () => {
    server = await startServer(env);
    b = await phone({ serviceWorkers });
  });
  after(async () => {
    await b?.browser.close();
    server?.stop();
  });
  return () => ({ server, ...b });
}
