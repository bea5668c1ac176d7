// The live feed: EventSource("/api/me/feed") (Server-Sent Events from the gateway). Each event's data is
// JSON {kind, title, body, link, severity, ...}; it is added on top of the server-rendered list. The
// browser reconnects by itself and sends Last-Event-ID, so the gateway resumes where it left off.
// Texts come from data-* attributes of the page (one place for all texts: web/texts.py).

const SEVERITIES = new Set(["info", "warning", "alert"]);

function sameSiteLink(link) {
  // Only links into this app: a message must not send anyone to another site.
  try {
    const url = new URL(link, window.location.origin);
    return url.origin === window.location.origin ? url.pathname + url.search + url.hash : null;
  } catch {
    return null;
  }
}

function renderItem(root, message) {
  const severity = SEVERITIES.has(message.severity) ? message.severity : "info";
  const item = document.createElement("li");
  item.className = `feed__item feed__item--${severity}`;
  const label = root.dataset[`severity${severity[0].toUpperCase()}${severity.slice(1)}`];
  if (label && severity !== "info") {
    const badge = document.createElement("p");
    badge.className = "feed__severity";
    badge.textContent = label;
    item.append(badge);
  }
  const title = document.createElement("h3");
  title.textContent = String(message.title || "");
  item.append(title);
  if (message.body) {
    const body = document.createElement("p");
    body.textContent = String(message.body);
    item.append(body);
  }
  const link = message.link ? sameSiteLink(String(message.link)) : null;
  if (link) {
    const anchor = document.createElement("a");
    anchor.href = link;
    anchor.textContent = root.dataset.textOpen;
    item.append(anchor);
  }
  return item;
}

export function startFeed(root) {
  if (!("EventSource" in window)) return;
  const status = document.getElementById("feed-status");
  const list = document.getElementById("feed-list");
  const empty = document.getElementById("feed-empty");
  const show = (text) => {
    status.hidden = false;
    status.textContent = text;
  };
  show(root.dataset.textConnecting);
  const source = new EventSource(root.dataset.feedUrl);
  source.addEventListener("open", () => {
    show(root.dataset.textOn);
    root.dataset.live = "on";
  });
  source.addEventListener("error", () => {
    show(root.dataset.textOff);
    root.dataset.live = "off";
  });
  // The gateway names its events "notification" (event: notification), so "message" would never fire.
  source.addEventListener("notification", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!message || typeof message !== "object") return;
    empty.hidden = true;
    list.prepend(renderItem(root, message));
  });
  window.addEventListener("pagehide", () => source.close());
}
