"""The long-running loops of accounts (ServiceSpec.background), each safe with several replicas:

* `prepare`: on start, the first signing key and the bootstrap operator (a one-off; the time-driven
  steps are on the scheduler, accounts.schedules).

Mail, Web Push, SMS and calls leave through platformkit.outbound's sender (main.py)."""

from __future__ import annotations

import asyncio
import logging

import anyio
from fastapi import FastAPI

from accounts.config import AccountsSettings
from accounts.crud.people import ensure_operator
from accounts.domain.passwords import hash_password
from accounts.domain.roles import OPERATOR_SCOPES
from accounts.issuer import load_keys
from platformkit.db import Database

log = logging.getLogger("accounts.background")


async def bootstrap_operator(db: Database, settings: AccountsSettings) -> None:
    """BOOTSTRAP_OPERATOR_EMAIL + BOOTSTRAP_OPERATOR_PASSWORD: the first operator of a new installation
    (all staff scopes). Nothing happens when the address already has an account."""
    if not settings.bootstrap_operator_email or settings.bootstrap_operator_password is None:
        return
    password_hash = await anyio.to_thread.run_sync(
        hash_password, settings.bootstrap_operator_password.get_secret_value()
    )
    async with db.transaction() as session:
        await ensure_operator(
            session=session,
            email=settings.bootstrap_operator_email,
            name="Leitstelle",
            password_hash=password_hash,
            scopes=" ".join(sorted(OPERATOR_SCOPES)),
            actor_id="bootstrap",
        )


async def prepare(app: FastAPI) -> None:
    settings: AccountsSettings = app.state.settings
    db: Database = app.state.db
    for step in (lambda: load_keys(db, settings), lambda: bootstrap_operator(db, settings)):
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:  # logged; the key is also made on first use, the operator on the next start
            log.exception("start-up step of accounts failed")
