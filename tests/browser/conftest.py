"""Fixtures of the browser tests: chromium (skipped with a reason outside CI when it is missing; in CI a
missing chromium fails), the real platform (`dorf up`; or WEB_TEST_BASE_URL for one already running with
demo data), and browser contexts at a phone viewport."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from browserkit import CHROMIUM_ARGS, PHONE, RunningPlatform, chromium_path  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright  # noqa: E402


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs this for the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        _missing("Debian's chromium is not installed (apt-get install chromium)")
    browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("WEB_TEST_BASE_URL")
    if given:
        yield given.rstrip("/")
        return
    if importlib.util.find_spec("gateway.browser") is None:
        pytest.skip("the gateway's browser sessions (gateway/src/gateway/browser.py) are not there yet")
    platform = RunningPlatform(tmp_path_factory.mktemp("browser") / "var")
    try:
        yield platform.url
    finally:
        platform.stop()


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, locale="de-DE", accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()
