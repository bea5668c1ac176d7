"""Helpers for the browser tests: Debian's chromium through Playwright (never a downloaded browser), the
real platform started with `dorf up`, an accessibility audit with axe-core, and screenshots to look at."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
DORF = Path(sys.executable).parent / "dorf"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SHOTS = Path(tempfile.gettempdir()) / "dorf-browser-shots"
START_TIMEOUT = 120.0
START_ATTEMPTS = 3
PORT_TAKEN = "is already in use by another process"  # dorf up's words when an explicit port is taken
OPERATOR = ("leitstelle@uckermark.example", "Leitstelle-Demo-2026")
MERCHANT = ("jana.krueger@hofladen-gramzow.example", "Dorfleben-Demo-2026")
_AXE = Axe()


def chromium_path() -> str | None:
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


class RunningPlatform:
    """`dorf up --demo --only accounts,gateway` (or the services given) in the background, on free ports, in
    its own var/ folder; `extra_env` reaches every process (e.g. OUTBOUND_ALLOWED_NETWORKS)."""

    def __init__(self, var: Path, services: str = "accounts,gateway", extra_env: Mapping[str, str] | None = None
                 ) -> None:
        from platformkit.natsserver import free_port

        self.var = var
        self.output_path = var.parent / "dorf-up.out"
        env = {key: value for key, value in os.environ.items() if key not in ("DORF_SERVICES", "OIDC_ISSUER")}
        env.update(extra_env or {})
        for attempt in range(START_ATTEMPTS):
            with self.output_path.open("wb") as output:
                self.process = subprocess.Popen(
                    [str(DORF), "up", "--demo", "--only", services, "--var", str(var), "--port", str(free_port()),
                     "--nats-port", str(free_port()), "--service-port", str(free_port())],
                    env=env, stdout=output, stderr=subprocess.STDOUT, cwd=REPO,
                )
            try:
                self.url = self._wait_for_url()
                break
            except AssertionError:
                # A server of the other test worker took one of our free ports before dorf claimed it.
                if attempt + 1 == START_ATTEMPTS or PORT_TAKEN not in self.output:
                    raise

    @property
    def output(self) -> str:
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            found = re.search(r"runs at (http://\S+)", self.output)
            if found:
                return found.group(1).rstrip("/")
            if self.process.poll() is not None:
                raise AssertionError(f"dorf up ended early:\n{self.output}")
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"dorf up printed no URL within {START_TIMEOUT:.0f} s:\n{self.output}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = ", ".join(str(node.get("target")) for node in violation.get("nodes", [])[:5])
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation.get('help')} -> {targets}")
    return "\n".join(lines)


def small_tap_targets(page: Page) -> list[str]:
    """Buttons, button-like links, inputs, menus: each at least 44 x 44 CSS pixels (text links in a
    sentence and the checkboxes, whose whole row with the label is the target, are measured apart)."""
    result: list[str] = page.evaluate("""() => {
      const selector = "a.button, button, input:not([type=hidden]):not([type=checkbox]), select, "
        + ".main-nav a, .sub-nav a, .check, .field--check";
      return [...document.querySelectorAll(selector)]
        .filter((el) => el.offsetParent !== null)
        .map((el) => [el, el.getBoundingClientRect()])
        .filter(([, box]) => box.height < 44 || box.width < 44)
        .map(([el, box]) => `${el.outerHTML.slice(0, 80)} is ${Math.round(box.width)}x${Math.round(box.height)}`);
    }""")
    return result


def audit(page: Page, name: str) -> None:
    """axe-core finds no violation (the list is the failure message), tap targets are large enough, and a
    screenshot is kept in SHOTS to look at."""
    page.wait_for_load_state("load")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    violations = _AXE.run(page).response["violations"]
    assert not violations, f"axe found violations on {name} ({page.url}):\n{_describe(violations)}"
    small = small_tap_targets(page)
    assert not small, f"tap targets under 44 px on {name} ({page.url}):\n" + "\n".join(small)


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    overflow: int = page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"
    )
    return overflow


def sign_in(page: Page, base: str, email: str, password: str, next_path: str, name: str | None = None) -> None:
    """Through the real login: the gateway sends the browser to accounts' login page (PKCE), and back."""
    page.goto(f"{base}/auth/login?next={next_path}")
    page.wait_for_selector("input[name=email]")
    if name:
        audit(page, name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base + next_path.split("?")[0])))
