"""Jinja2 for the pages: one environment, autoescaping on, undefined names are errors (a missing text or
variable fails the test that renders it, instead of showing an empty spot), and the texts as `t`."""

from __future__ import annotations

import hashlib
from datetime import datetime
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
    return environment


ENVIRONMENT = _environment()


def render_template(name: str, context: dict[str, Any]) -> str:
    return ENVIRONMENT.get_template(name).render(context)
