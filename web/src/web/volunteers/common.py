"""What the volunteers pages share: calls to the volunteers service that must succeed, the villages to
choose from, and turning a service problem into a form's messages."""

from __future__ import annotations

from typing import Any

from web.pages import NOT_FOUND_PAGE, PageContext

SERVICE = "volunteers"


async def fetch(page: PageContext, path: str, *, params: dict[str, str] | None = None,
                missing: Any = NOT_FOUND_PAGE) -> Any:
    """GET from the volunteers service (`PageContext.read`: a 404 is `missing` if given, else the not-found page)."""
    return await page.read(SERVICE, path, params=params, missing=missing)


async def villages(page: PageContext) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await fetch(page, "/villages")
    return found


def is_staff(page: PageContext) -> bool:
    session = page.session
    return session is not None and "operator" in session.roles and bool({"verifier", "admin"} & set(session.scopes))
