// The live feed: EventSource("/api/me/feed") (Server-Sent Events from the gateway). Each event's data is
// JSON {kind, title, body, link, severity, ...}; it is added on top of the server-rendered list. The
// browser reconnects by itself and sends Last-Event-ID, so the gateway resumes where it left off; after
// the device was offline, a new connection resumes after the last notification shown (?after=).
// Texts come from data-* attributes of the page (one place for all texts: web/texts.py).

const SEVERITIES = new Set(["info", "warning", "alert", "critical"]);

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
  let source = null;
  let lastId = "";  // the stream sequence of the last notification shown
  const connect = () => {
    show(root.dataset.textConnecting);
    // After the device was offline: a new connection resumes after the last one shown (`after`), so
    // nothing is lost and nothing comes twice. EventSource's own reconnects send Last-Event-ID.
    const url = lastId ? `${root.dataset.feedUrl}?after=${encodeURIComponent(lastId)}` : root.dataset.feedUrl;
    source = new EventSource(url);
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
      if (event.lastEventId) lastId = event.lastEventId;
      empty.hidden = true;
      list.prepend(renderItem(root, message));
    });
  };
  const disconnect = () => {
    if (source) source.close();
    source = null;
  };
  connect();
  // A phone that loses its network keeps a dead connection for a long time: close it at once and open a
  // new one when the network is back.
  window.addEventListener("offline", () => {
    disconnect();
    show(root.dataset.textOff);
    root.dataset.live = "off";
  });
  window.addEventListener("online", () => {
    disconnect();
    connect();
  });
  window.addEventListener("pagehide", disconnect);
}
