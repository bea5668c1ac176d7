"""What the marketplace pages share: money in German notation, the villages, answers that must be 200."""

from __future__ import annotations

from typing import Any

from web.pages import PageContext


def euro(cents: int) -> str:
    whole, rest = divmod(abs(cents), 100)
    return ("-" if cents < 0 else "") + f"{whole:,}".replace(",", ".") + f",{rest:02d} €"


async def fetch(page: PageContext, path: str, params: dict[str, str] | None = None) -> Any:
    """GET from marketplace (`PageContext.read`: a refusal becomes the plain page for it)."""
    return await page.read("marketplace", path, params=params)


async def village_options(page: PageContext) -> list[tuple[str, str]]:
    """(Ortsteil id, "Name (Gemeinde)") for a select."""
    found: list[dict[str, str]] = await fetch(page, "/villages")
    return [(v["id"], v["name"] if v["name"] == v["gemeinde"] else f"{v['name']} ({v['gemeinde']})") for v in found]


def safe_back(path: str, default: str) -> str:
    """Only our own shop pages as a place to return to."""
    return path if path.startswith("/shop") and not path.startswith("//") else default
