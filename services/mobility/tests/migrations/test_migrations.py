"""Migrations are a step of their own: `upgrade head` on an empty database, then autogenerate finds
nothing left to do (both databases)."""

from __future__ import annotations

from mobility.main import service
from platformkit.migrations import pending_changes, upgrade


def test_upgrade_head_on_an_empty_database_then_no_diff(database_url: str) -> None:
    upgrade(service, database_url)
    assert pending_changes(service, database_url) == []
