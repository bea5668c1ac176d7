// The service worker. It keeps only what holds nothing personal: the offline page, the stylesheet and the
// icon. Pages (they show names, messages, CSRF tokens) and API answers are never cached; when the network
// is gone, a page request gets the offline page instead.
// The server (web/shell.py) fills in the versioned URLs, a cache name that changes with them, and the
// platform's name from the texts.

const OFFLINE_ASSETS = __OFFLINE_ASSETS__;
const CACHE = __CACHE_NAME__;
const PLATFORM = __PLATFORM__;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(OFFLINE_ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/offline")));
    return;
  }
  if (OFFLINE_ASSETS.includes(url.pathname + url.search)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
  // Everything else goes to the network untouched (no caching of personal data).
});

self.addEventListener("push", (event) => {
  // Issue 8 sends these; shown as a notification that opens the app's notification list.
  let message = {};
  try { message = event.data ? event.data.json() : {}; } catch { message = {}; }
  const title = message.title || PLATFORM;
  event.waitUntil(self.registration.showNotification(title, {
    body: message.body || "",
    icon: "/static/icons/icon-192.png",
    data: { link: message.link || "/notifications" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const link = (event.notification.data && event.notification.data.link) || "/notifications";
  const target = new URL(link, self.location.origin);
  event.waitUntil(self.clients.openWindow(target.origin === self.location.origin ? target.href : "/notifications"));
});
