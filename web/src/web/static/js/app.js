// Progressive enhancement for every page. The pages work without this file; it only adds what HTML
// cannot do: the service worker (offline page), the live feed, the push permission button (also for
// warnings on a device without an account), and pages that show what they are waiting for once it is there.

if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
      // Without a service worker the app still works online; nothing to tell the person.
    });
  });
}

const feed = document.querySelector("[data-feed-url]");
if (feed) {
  import("./feed.js").then((module) => module.startFeed(feed));
}

const pushPanel = document.getElementById("push-panel");
if (pushPanel) {
  import("./push.js").then((module) => module.setUpPush(pushPanel));
}

const deviceForm = document.getElementById("device-form");
if (deviceForm) {
  import("./push.js").then((module) => module.setUpDeviceForm(deviceForm));
}

const waiting = document.querySelector("[data-refresh-seconds]");
if (waiting) {
  import("./refresh.js").then((module) => module.startRefresh(waiting));
}
