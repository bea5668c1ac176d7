// Web Push permission: asks only when the person presses the button (never on page load), after the
// page has said why. With permission, it subscribes (when the gateway has a VAPID key) and sends the
// subscription to /api/me/push-subscriptions. Until the gateway has that route (issue 8), a 404 is
// answered kindly: the permission is kept, the messages come later.

function urlBase64ToUint8Array(base64) {
  const padding = "=".repeat((4 - (base64.length % 4)) % 4);
  const raw = atob((base64 + padding).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(raw, (char) => char.charCodeAt(0));
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function subscribe(key) {
  const registration = await navigator.serviceWorker.ready;
  const existing = await registration.pushManager.getSubscription();
  const subscription = existing || await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: urlBase64ToUint8Array(key),
  });
  const response = await fetch("/api/me/push-subscriptions", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(subscription.toJSON()),
  });
  return response.status;
}

export function setUpPush(panel) {
  const button = document.getElementById("push-button");
  const status = document.getElementById("push-status");
  const say = (text) => { status.textContent = text; };
  const supported = "Notification" in window && "serviceWorker" in navigator && "PushManager" in window;
  panel.hidden = false;
  if (!supported) {
    button.hidden = true;
    say(panel.dataset.textUnsupported);
    return;
  }
  if (Notification.permission === "denied") say(panel.dataset.textDenied);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        say(panel.dataset.textDenied);
        return;
      }
      const key = panel.dataset.applicationServerKey;
      if (!key) {
        say(panel.dataset.textLater);
        return;
      }
      const answer = await subscribe(key);
      if (answer === 404) say(panel.dataset.textLater);
      else if (answer >= 200 && answer < 300) say(panel.dataset.textDone);
      else say(panel.dataset.textFailed);
    } catch {
      say(panel.dataset.textFailed);
    } finally {
      button.disabled = false;
    }
  });
}
