"""Shared by the spine test services: the event contract, the tables and the settings.

The services are started as real processes by tests/test_event_spine.py: `warehouse` writes a crate and
its `warehouse.crate.stored.v1` event in one transaction per HTTP request; `ledger` books each stored
crate in its own database."""

from __future__ import annotations

import os
from typing import ClassVar

from sqlalchemy import Column, Integer, MetaData, String, Table

from platformkit.config import ServiceSettings
from platformkit.db import new_metadata
from platformkit.events import Event
from platformkit.tables import copy_platform_tables


class CrateStoredV1(Event):
    type: ClassVar[str] = "warehouse.crate.stored.v1"
    subject_field: ClassVar[str | None] = "crate_id"

    crate_id: str
    label: str = ""


def warehouse_metadata() -> tuple[MetaData, Table]:
    metadata = new_metadata()
    copy_platform_tables(metadata)
    crate = Table(
        "crate",
        metadata,
        Column("id", String(64), primary_key=True),
        Column("label", String(64), nullable=False),
    )
    return metadata, crate


def ledger_metadata() -> tuple[MetaData, Table]:
    metadata = new_metadata()
    copy_platform_tables(metadata)
    booking = Table(
        "booking",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False),
        Column("crate_id", String(64), nullable=False),
        Column("pid", Integer, nullable=False),
    )
    return metadata, booking


def settings(service: str) -> ServiceSettings:
    return ServiceSettings(
        service_name=service,
        environment="test",
        log_level=os.environ.get("LOG_LEVEL", "WARNING"),
        database_url=os.environ["DATABASE_URL"],
        nats_url=os.environ["NATS_URL"],
        oidc_issuer="http://127.0.0.1:9/not-used",
        oidc_audience=service,
        outbox_poll_seconds=0.2,
    )
