// Tournée's service worker: opens the app with no network at all (a car park, a cellar, a
// reload in a dead zone). scripts/build-client.sh fills in VERSION and the bundle's files.
//
// - Pages and the bundle: the network first, so an online phone always runs what the server
//   serves; each answer is kept. With no answer (offline, or nothing within a few seconds on
//   a dead network), the kept copy; a page never opened on this phone gets a short notice.
// - Screens with an id in their address (a record, a meeting, its report): their frame does not
//   depend on the id (the data comes from the API or the phone's replica once the page runs),
//   so one frame per kind of screen is kept, and a deep link to any record opens offline.
// - The API is left alone: the screens fall back on the phone's replica (IndexedDB) by themselves.
const VERSION = '__VERSION__';
const BUNDLE = __BUNDLE__;
const SCREENS = ['/', '/login', '/plan', '/week', '/nearby', '/tasks', '/agenda', '/contacts', '/contacts/new', '/sync'];
// The frame of each screen with an id, by the shape of its address.
const FRAMES = [
  [/^\/contacts\/(?!new$)[^/]+$/, '/contacts/_'],
  [/^\/contacts\/[^/]+\/edit$/, '/contacts/_/edit'],
  [/^\/meetings\/[^/]+$/, '/meetings/_'],
  [/^\/meetings\/[^/]+\/report$/, '/meetings/_/report'],
];

function frameOf(url) {
  const found = FRAMES.find(([shape]) => shape.test(url.pathname));
  return found ? found[1] : null;
}
const CACHE = `tournee-${VERSION}`;
const PATIENCE_MS = 4000;

self.addEventListener('install', (event) => {
  // Everything the app needs to start offline, from one build, in one go.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([...BUNDLE, ...SCREENS, ...FRAMES.map(([, frame]) => frame)])));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('tournee-') && name !== CACHE) await caches.delete(name);
    }
    // The first install takes the open page at once: it can go offline right away.
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ical/') || url.pathname === '/sw.js') return;
  const page = request.mode === 'navigate';
  if (!page && !url.pathname.startsWith('/pkg/')) return;
  event.respondWith(networkFirst(event, request, page, page ? frameOf(url) : null));
});

async function networkFirst(event, request, page, frame) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then((response) => {
    if (response.ok && response.type === 'basic') {
      // Kept under the frame's name for a screen with an id: one copy, not one per record.
      event.waitUntil(cache.put(frame || request, response.clone()));
    }
    return response;
  });
  const late = new Promise((resolve) => setTimeout(resolve, PATIENCE_MS, null));
  try {
    const first = await Promise.race([network, late]);
    if (first) return first;
    // The network is slow: the kept copy if there is one, else keep waiting for it.
    return (await cache.match(frame || request)) || (await network);
  } catch (_) {
    // The exact address: a page's frame can depend on its query (an error, a place).
    const kept = await cache.match(frame || request);
    if (kept) return kept;
    if (page) return offlinePage();
    return Response.error();
  }
}

function offlinePage() {
  const html = `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Tournée — hors ligne</title>
<link rel="stylesheet" href="/pkg/tournee.css"></head><body><main class="content">
<h1>Hors ligne</h1><p>Cette page n'a pas encore été ouverte sur ce téléphone : elle sera là dès le retour du réseau.</p>
<p><a class="action" href="/">Aujourd'hui</a> <a class="action" href="/plan">Ma journée</a> <a class="action" href="/tasks">Tâches</a></p>
</main></body></html>`;
  return new Response(html, { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } });
}
