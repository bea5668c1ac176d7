"""Checking a person's credentials at the login form, with the brute-force rules of
accounts.domain.throttle. Counters are written in short transactions of their own, committed before
the (slow) password check, so that concurrent attempts on other replicas see them at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio

from accounts.config import AccountsSettings
from accounts.crud import people, throttle
from accounts.domain.passwords import hash_password, needs_rehash, verify_password
from accounts.domain.secrets import email_key
from accounts.domain.throttle import ThrottleRules
from platformkit.db import Database, utcnow


def rules_from(settings: AccountsSettings) -> ThrottleRules:
    return ThrottleRules(
        failures_before_lockout=settings.login_failures_before_lockout,
        lockout_base_seconds=settings.login_lockout_base_seconds,
        lockout_max_seconds=settings.login_lockout_max_seconds,
        address_failure_budget=settings.address_failure_budget,
        address_window_seconds=settings.address_budget_window_seconds,
    )


@dataclass(frozen=True)
class LoginOutcome:
    # ok | failed | unverified | throttled
    result: str
    person_id: uuid.UUID | None = None
    retry_at: datetime | None = None


async def check_credentials(
    db: Database, settings: AccountsSettings, *, email: str, password: str, address: str
) -> LoginOutcome:
    rules = rules_from(settings)
    account_key = f"account:{email_key(email)}"
    address_key = f"address:{address}"[:100]
    now = utcnow()
    # One short write transaction before the slow password check: the counters and the person.
    async with db.transaction() as session:
        blocked = await throttle.address_blocked(session=session, key=address_key, rules=rules, now=now)
        if blocked is None:
            blocked = await throttle.account_attempt(session=session, key=account_key, rules=rules, now=now)
        person = None if blocked is not None else await people.by_email(session=session, email=email)
    if blocked is not None:
        return LoginOutcome("throttled", retry_at=blocked)

    stored_hash = person.password_hash if person is not None else None
    # For an unknown address the same work is done against a dummy hash (no enumeration by timing).
    matches = await anyio.to_thread.run_sync(verify_password, password, stored_hash)

    async with db.transaction() as session:
        if not matches or person is None:
            window = rules.address_window_seconds

            await throttle.count_in_window(
                session=session, key=address_key, window=timedelta(seconds=window), now=utcnow()
            )
            return LoginOutcome("failed")
        await throttle.clear(session=session, key=account_key)
        if stored_hash is not None and needs_rehash(stored_hash):
            new_hash = await anyio.to_thread.run_sync(hash_password, password)
            fresh = await people.get(session=session, person_id=person.id)
            if fresh is not None:
                fresh.password_hash = new_hash
                session.add(fresh)
    if person.email_verified_at is None:
        return LoginOutcome("unverified", person_id=person.id)
    return LoginOutcome("ok", person_id=person.id)
