"""Signing keys in the database: generated on first use, rotated by operators (see
accounts.domain.signing for which key signs and which are published)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import anyio
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.config import AccountsSettings
from accounts.domain.signing import ALGORITHM, StoredKey, generate_private_jwk
from accounts.models import SigningKey
from platformkit.db import utcnow


async def stored_keys(*, session: AsyncSession) -> list[StoredKey]:
    rows = (await session.exec(select(SigningKey))).all()
    return [StoredKey(row.kid, row.signs_from, row.private_jwk) for row in rows]


async def all_keys(*, session: AsyncSession) -> list[SigningKey]:
    return list((await session.exec(select(SigningKey).order_by(col(SigningKey.signs_from)))).all())


def new_kid(now: datetime) -> str:
    return f"{now:%Y%m%d}-{secrets.token_hex(4)}"


async def add_key(
    *,
    session: AsyncSession,
    settings: AccountsSettings,
    signs_from: datetime,
    created_by: str | None,
    generation: int | None = None,
) -> SigningKey:
    now = utcnow()
    kid = new_kid(now)
    if generation is None:
        latest = (await session.exec(select(func.max(SigningKey.generation)))).first()
        generation = (latest or 0) + 1
    # RSA generation takes a moment: off the event loop.
    private_jwk = await anyio.to_thread.run_sync(generate_private_jwk, kid, settings.signing_key_size)
    key = SigningKey(
        kid=kid,
        generation=generation,
        alg=ALGORITHM,
        private_jwk=private_jwk,
        signs_from=signs_from,
        created_by=created_by,
    )
    session.add(key)
    await session.flush()
    return key


async def ensure_signing_key(*, session: AsyncSession, settings: AccountsSettings) -> None:
    """The first start: a key that signs at once. Replicas starting together (or a request racing the
    start-up step) cannot add two first keys: both are generation 1, and the loser's insert
    conflicts. (Reading the highest generation instead raced: a replica that checked before the
    other's commit but read the maximum after it added a second key, generation 2.)"""
    if (await session.exec(select(SigningKey.kid).limit(1))).first() is not None:
        return
    try:
        async with session.begin_nested():
            await add_key(
                session=session,
                settings=settings,
                signs_from=utcnow() - timedelta(seconds=1),
                created_by=None,
                generation=1,
            )
    except IntegrityError:
        pass  # another replica made it


async def rotate(*, session: AsyncSession, settings: AccountsSettings, actor_id: str | None) -> SigningKey:
    """Add a new key: published now, signing after `signing_key_activation_delay_seconds`."""
    signs_from = utcnow() + timedelta(seconds=settings.signing_key_activation_delay_seconds)
    return await add_key(session=session, settings=settings, signs_from=signs_from, created_by=actor_id)
