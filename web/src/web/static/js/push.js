// Web Push permission: asks only when the person presses the button (never on page load), after the
// page has said why. With permission, it subscribes with accounts' VAPID public key (WEB_PUSH_PUBLIC_KEY)
// and sends the subscription to accounts, /api/accounts/me/push-subscriptions (through the gateway, with
// the session and the CSRF token). Without a key, or while the browser has no push service, the
// permission is kept and the page says that the messages come later.

function urlBase64ToUint8Array(base64) {
  const padding = "=".repeat((4 - (base64.length % 4)) % 4);
  const raw = atob((base64 + padding).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(raw, (char) => char.charCodeAt(0));
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// This browser's push subscription (the one subscription per service worker, shared by the account's
// messages and a device's warnings), or null while the browser has no push service (AbortError).
async function browserSubscription(key) {
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription();
  if (subscription) return subscription;
  try {
    return await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: urlBase64ToUint8Array(key),
    });
  } catch (error) {
    if (error && error.name === "AbortError") return null;
    throw error;
  }
}

function pushSupported() {
  return "Notification" in window && "serviceWorker" in navigator && "PushManager" in window;
}

// "done", "later" (the browser has no push service right now, or accounts takes no subscriptions yet:
// the permission stays) or "failed".
async function subscribe(key) {
  const subscription = await browserSubscription(key);
  if (!subscription) return "later";
  const response = await fetch("/api/accounts/me/push-subscriptions", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(subscription.toJSON()),
  });
  if (response.status === 404) return "later";
  return response.ok ? "done" : "failed";
}

export function setUpPush(panel) {
  const button = document.getElementById("push-button");
  const status = document.getElementById("push-status");
  const say = (text) => { status.textContent = text; };
  panel.hidden = false;
  if (!pushSupported()) {
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
      const outcome = await subscribe(key);
      if (outcome === "later") say(panel.dataset.textLater);
      else if (outcome === "done") say(panel.dataset.textDone);
      else say(panel.dataset.textFailed);
    } catch {
      say(panel.dataset.textFailed);
    } finally {
      button.disabled = false;
    }
  });
}

// Warnings on a device without an account (/alerts/device): pressing the form's button asks for
// permission, takes the browser's push subscription and posts the form with it in the hidden fields; the
// page passes it on to alerts. Without a place chosen the form goes as it is, so the page says what is
// missing; where push cannot work, the page's status line says why and nothing is posted.
export function setUpDeviceForm(form) {
  const status = document.getElementById("device-status");
  const button = form.querySelector("button[type=submit]");
  const say = (text) => { status.textContent = text; };
  form.addEventListener("submit", async (event) => {
    if (!form.elements.place.value) return;
    event.preventDefault();
    if (!pushSupported()) {
      say(form.dataset.textUnsupported);
      return;
    }
    const key = form.dataset.applicationServerKey;
    if (!key) {
      say(form.dataset.textNotReady);
      return;
    }
    button.disabled = true;
    try {
      if (await Notification.requestPermission() !== "granted") {
        say(form.dataset.textDenied);
        return;
      }
      const subscription = await browserSubscription(key);
      if (!subscription) {
        say(form.dataset.textUnsupported);
        return;
      }
      const json = subscription.toJSON();
      form.elements.push_endpoint.value = json.endpoint;
      form.elements.push_p256dh.value = json.keys.p256dh;
      form.elements.push_auth.value = json.keys.auth;
      form.submit(); // not a second submit event
    } catch {
      say(form.dataset.textFailed);
    } finally {
      button.disabled = false;
    }
  });
}
