"""Jinja2 for the pages: one environment, autoescaping on, undefined names are errors (a missing text or
variable fails the test that renders it, instead of showing an empty spot), and the texts as `t`."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from web.texts import DE, Texts

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
LOCAL_TIME = ZoneInfo("Europe/Berlin")  # the district's wall clock; the services answer in UTC


@cache
def static_version(relative: str) -> str:
    """A short hash of a static file's content, so `?v=` changes when the file does (long browser caching
    without serving yesterday's script)."""
    return hashlib.sha256((STATIC_DIR / relative).read_bytes()).hexdigest()[:10]


def static_url(relative: str) -> str:
    return f"/static/{relative}?v={static_version(relative)}"


def local_time(value: datetime | str | None, texts: Texts = DE) -> str:
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LOCAL_TIME).strftime(texts.date_format)


def local_window(start: datetime | str | None, end: datetime | str | None, texts: Texts = DE) -> str:
    """A time window as residents read it, in local time: "Do., 3. Dez., 10:00–12:00 Uhr", and with the second
    day where it ends on another ("Do., 3. Dez., 22:00 Uhr – Fr., 4. Dez., 06:00 Uhr")."""
    if not start:
        return ""
    begins = (datetime.fromisoformat(start) if isinstance(start, str) else start).astimezone(LOCAL_TIME)

    def day(moment: datetime) -> str:
        return f"{texts.weekdays_short[moment.weekday()]}, {moment.day}. {texts.months_short[moment.month - 1]}"

    if not end:
        return f"{day(begins)}, {begins:%H:%M} {texts.o_clock}"
    ends = (datetime.fromisoformat(end) if isinstance(end, str) else end).astimezone(LOCAL_TIME)
    if ends.date() == begins.date():
        return f"{day(begins)}, {begins:%H:%M}–{ends:%H:%M} {texts.o_clock}"
    return f"{day(begins)}, {begins:%H:%M} {texts.o_clock} – {day(ends)}, {ends:%H:%M} {texts.o_clock}"


def calendar_day(value: date | str | None) -> str:
    """A day as German readers write it ("01.05.2027"), from a date or the services' ISO text ("2027-05-01")."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day:%d.%m.%Y}"


def decimal(value: float | int | None) -> str:
    """A number as German readers write it: one decimal with a comma ("21,4"), none when it is whole ("0",
    "3") — never Python's "21.4" or "0.0"."""
    if value is None:
        return ""
    rounded = round(float(value), 1)
    if rounded.is_integer():
        return str(int(rounded))
    return f"{rounded:.1f}".replace(".", ",")


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["static_url"] = static_url
    environment.filters["local_time"] = local_time
    environment.filters["decimal"] = decimal
    environment.filters["calendar_day"] = calendar_day
    environment.filters["local_window"] = local_window
    return environment


ENVIRONMENT = _environment()


def render_template(name: str, context: dict[str, Any]) -> str:
    return ENVIRONMENT.get_template(name).render(context)
