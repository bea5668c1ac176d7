"""What the volunteers pages share: calls to the volunteers service that must succeed, the villages to
choose from, and turning a service problem into a form's messages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from web.pages import NOT_FOUND_PAGE, PageContext
from web.problems import FormErrors, form_errors, problem_body
from web.volunteers.texts import VolunteersTexts

SERVICE = "volunteers"
BERLIN = ZoneInfo("Europe/Berlin")

# A request for help: the service's field paths to the form's fields, and the empty form.
HELP_FIELDS = {"body.category": "category", "body.village_id": "village_id", "body.window_start": "from_time",
               "body.window_end": "until", "body.description": "description", "body.address": "address",
               "body.contact_phone": "contact_phone"}
EMPTY_HELP = {"category": "", "village_id": "", "day": "", "from_time": "10:00", "until": "12:00", "description": "",
              "address": ""}


async def fetch(page: PageContext, path: str, *, params: dict[str, str] | None = None,
                missing: Any = NOT_FOUND_PAGE) -> Any:
    """GET from the volunteers service (`PageContext.read`: a 404 is `missing` if given, else the not-found page)."""
    return await page.read(SERVICE, path, params=params, missing=missing)


def typed_number(text: str) -> float | None:
    """A number as people type it ("15", "12,5", "1.5") or as the service gives it back ("25.0"); None for
    anything else (a sign, an exponent, "inf")."""
    text = text.strip()
    return float(text.replace(",", ".")) if re.fullmatch(r"\d+([.,]\d+)?", text) else None


async def villages(page: PageContext) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await fetch(page, "/villages")
    return found


def is_staff(page: PageContext) -> bool:
    session = page.session
    return session is not None and "operator" in session.roles and bool({"verifier", "admin"} & set(session.scopes))


class _Facts(dict[str, Any]):
    """What fills a message's gaps; a gap nobody knows stays empty rather than failing the page."""

    def __missing__(self, key: str) -> str:
        return ""


def form_problems(page: PageContext, response: httpx.Response, field_names: Mapping[str, str] | None = None,
                  **facts: Any) -> FormErrors:
    """A volunteers problem as plain German for the form, by code (`texts.volunteers.problems`), next to the
    field it names or for the whole form. The service's own `detail` is English and never shown; a code
    without words of ours gets the plain message for its status. `facts` fill gaps the problem leaves
    (e.g. the `unit` of a donation; `still_open` comes with the problem)."""
    t = page.texts.volunteers
    body = problem_body(response)
    known = _Facts({**body, **facts})
    messages = {code: text.format_map(known) for code, text in t.problems.items()}
    messages["NOT_ELIGIBLE"] = not_eligible(t, body.get("reasons"))
    return form_errors(response, field_names or {}, page.texts, messages=messages)


def not_eligible(t: VolunteersTexts, reasons: object) -> str:
    """Why a sign-up or taking part was refused (the service's `reasons`, e.g. `age_below:18`,
    `language_below:de:B1`), one plain sentence per requirement; reasons we have no words for are left out."""
    sentences = [t.not_eligible]
    for reason in reasons if isinstance(reasons, list) else []:
        kind, *parts = str(reason).split(":")
        text = t.not_eligible_reasons.get(kind)
        if text is None:
            continue
        if kind == "language_below" and parts:
            parts[0] = t.language_names.get(parts[0], parts[0])
        sentences.append(text.format(*parts, *([""] * 2)))
    return " ".join(dict.fromkeys(sentences))


def help_labels(t: VolunteersTexts) -> dict[str, str]:
    return {"category": t.help_category, "village_id": t.help_village, "day": t.help_day, "from_time": t.help_from,
            "until": t.help_until, "description": t.help_description, "address": t.help_address}


def help_request(page: PageContext, values: Mapping[str, str]) -> tuple[dict[str, Any] | None, FormErrors]:
    """The service's body for a request for help from the form's values (the day and times in local time), or
    None and what is missing."""
    errors = FormErrors()
    for name in ("category", "village_id", "day"):
        if not values.get(name):
            errors.add(name, page.texts.error_required)
    try:
        start = datetime.fromisoformat(f"{values['day']}T{values['from_time']}").replace(tzinfo=BERLIN)
        end = datetime.fromisoformat(f"{values['day']}T{values['until']}").replace(tzinfo=BERLIN)
    except ValueError:
        errors.add("day", page.texts.volunteers.error_date)
    if errors:
        return None, errors
    return {"category": values["category"], "village_id": values["village_id"],
            "description": values.get("description", ""), "window_start": start.isoformat(),
            "window_end": end.isoformat(), "address": values.get("address") or None}, errors
