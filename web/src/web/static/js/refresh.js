// While a page says "being prepared" (an element with data-refresh-seconds), look at the same page again now
// and then and swap the element in once it changed: the person sees the result without reloading, and a
// screen reader hears it once (the element is a polite live region), not every few seconds.

const MAX_LOOKS = 150; // a forgotten tab stops asking after a while; the reload link still works

export function startRefresh(element) {
  const seconds = Number(element.dataset.refreshSeconds) || 5;
  let looks = 0;

  async function look() {
    looks += 1;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        const state = fresh.getElementById(element.id);
        if (state && !state.hasAttribute("data-refresh-seconds")) {
          element.innerHTML = state.innerHTML;
          element.removeAttribute("data-refresh-seconds");
          document.title = fresh.title;
          return;
        }
      }
    } catch {
      // Offline for a moment: try again at the next look.
    }
    if (looks < MAX_LOOKS) {
      window.setTimeout(look, seconds * 1000);
    }
  }

  window.setTimeout(look, seconds * 1000);
}
