"""The role-aware main menu: residents always; the merchant portal with role `merchant`; the admin
dashboard with role `operator` (its own items then depend on the staff scopes, see admin/dashboard.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from web.texts import Texts


class SessionLike(Protocol):
    @property
    def roles(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    current: bool


def _is_current(href: str, path: str) -> bool:
    return path == href if href == "/" else path == href or path.startswith(href + "/")


def main_navigation(session: SessionLike | None, path: str, texts: Texts) -> list[NavItem]:
    # The areas first, each shown to visitors when its landing page works without signing in (the shop
    # and the warnings do; finding a ride or a way to help needs the person); then the personal items.
    signed_in = session is not None
    areas = [("/", texts.nav_home, True), ("/shop", texts.marketplace.nav, True),
             ("/rides", texts.mobility.nav, signed_in), ("/volunteering", texts.volunteers.nav, signed_in),
             ("/alerts", texts.alerts.nav, True)]
    items = [(href, label) for href, label, shown in areas if shown]
    if session is not None:
        items += [("/notifications", texts.nav_notifications), ("/account", texts.nav_account)]
        if "merchant" in session.roles:
            items.append(("/merchant", texts.nav_merchant))
        if "operator" in session.roles:
            items.append(("/admin", texts.nav_admin))
    return [NavItem(href, label, _is_current(href, path)) for href, label in items]
