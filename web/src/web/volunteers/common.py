"""What the volunteers pages share: calls to the volunteers service that must succeed, the villages to
choose from, and turning a service problem into a form's messages."""

from __future__ import annotations

from typing import Any

from web.pages import PageContext

SERVICE = "volunteers"


async def fetch(page: PageContext, path: str, *, params: dict[str, str] | None = None,
                missing: Any = ...) -> Any:
    """GET from the volunteers service; 404 is `missing` if given (else the not-found page), 403 the
    no-access page."""
    response = await page.call("GET", SERVICE, path, params=params)
    if response.status_code == 404 and missing is not ...:
        return missing
    if response.status_code == 404:
        raise page.not_found()
    if response.status_code == 403:
        raise page.forbidden()
    if response.status_code >= 400:
        raise page.problem(response.status_code, page.texts.error_service_down_title, page.texts.error_service_down)
    return response.json()


async def villages(page: PageContext) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await fetch(page, "/villages")
    return found


def is_staff(page: PageContext) -> bool:
    session = page.session
    return session is not None and "operator" in session.roles and bool({"verifier", "admin"} & set(session.scopes))
