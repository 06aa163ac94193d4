// The app's service worker: keeps the app's shell (its pages, scripts and styles) so the
// app starts with no network. Network first, so an update is seen when online; the copy
// when offline. API answers are not cached here: the app keeps what it needs in IndexedDB.

const CACHE = 'traceledger-app-v1';
const SHELL = ['/app/', '/app/?lang=zh', '/app/?lang=en'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      // The shell names its own assets; cache exactly those.
      const page = await (await cache.match('/app/')).text();
      const listed = /<script type="application\/json" id="assets">([^<]*)<\/script>/.exec(page);
      if (listed) await cache.addAll(JSON.parse(listed[1]));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

function isShell(url) {
  return url.origin === self.location.origin &&
    (url.pathname === '/app/' || url.pathname.startsWith('/static/'));
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || !isShell(url)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const fresh = await fetch(event.request);
        if (fresh.ok) await cache.put(event.request, fresh.clone());
        return fresh;
      } catch (error) {
        const kept = await cache.match(event.request);
        if (kept) return kept;
        throw error;
      }
    })(),
  );
});
