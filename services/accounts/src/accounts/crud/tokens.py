"""One-time tokens (e-mail verification, password reset), authorization codes and refresh tokens.
Each is random, handed out once, stored only as its SHA-256, and redeemed with a conditional UPDATE
so that two concurrent redemptions cannot both succeed."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.crud._sql import execute
from accounts.domain.secrets import hash_secret, new_token
from accounts.models import AuthorizationCode, OneTimeToken, RefreshToken
from platformkit.db import utcnow

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a password


async def issue_one_time(*, session: AsyncSession, person_id: uuid.UUID, purpose: str, ttl: timedelta) -> str:
    token = new_token()
    session.add(
        OneTimeToken(
            person_id=person_id, purpose=purpose, token_hash=hash_secret(token), expires_at=utcnow() + ttl
        )
    )
    await session.flush()
    return token


async def redeem_one_time(*, session: AsyncSession, token: str, purpose: str) -> uuid.UUID | None:
    """The person the token belongs to, marking it used; None if unknown, used or expired."""
    now = utcnow()
    result = await execute(
        session,
        update(OneTimeToken)
        .where(
            col(OneTimeToken.token_hash) == hash_secret(token),
            col(OneTimeToken.purpose) == purpose,
            col(OneTimeToken.used_at).is_(None),
            col(OneTimeToken.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(OneTimeToken.person_id)),
    )
    row = result.first()
    return None if row is None else row[0]


async def is_one_time_valid(*, session: AsyncSession, token: str, purpose: str) -> bool:
    row = (
        await session.exec(
            select(OneTimeToken.id).where(
                OneTimeToken.token_hash == hash_secret(token),
                OneTimeToken.purpose == purpose,
                col(OneTimeToken.used_at).is_(None),
                col(OneTimeToken.expires_at) > utcnow(),
            )
        )
    ).first()
    return row is not None


async def drop_one_time(*, session: AsyncSession, person_id: uuid.UUID, purpose: str | None = None) -> None:
    statement = delete(OneTimeToken).where(col(OneTimeToken.person_id) == person_id)
    if purpose is not None:
        statement = statement.where(col(OneTimeToken.purpose) == purpose)
    await execute(session, statement)


# --- authorization codes --------------------------------------------------------------------------


async def save_code(*, session: AsyncSession, code: AuthorizationCode) -> None:
    session.add(code)
    await session.flush()


async def redeem_code(*, session: AsyncSession, code: str, client_id: str) -> AuthorizationCode | None:
    """Take an authorization code for one token request. A code presented a second time revokes the
    tokens issued for it (RFC 6749 4.1.2) and is refused, as is an expired or foreign one."""
    now = utcnow()
    code_hash = hash_secret(code)
    taken = await execute(
        session,
        update(AuthorizationCode)
        .where(
            col(AuthorizationCode.code_hash) == code_hash,
            col(AuthorizationCode.client_id) == client_id,
            col(AuthorizationCode.used_at).is_(None),
            col(AuthorizationCode.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(AuthorizationCode.code_hash)),
    )
    if taken.first() is not None:
        return await session.get(AuthorizationCode, code_hash, populate_existing=True)
    replayed = await session.get(AuthorizationCode, code_hash, populate_existing=True)
    if replayed is not None and replayed.used_at is not None and replayed.family_id is not None:
        await revoke_family(session=session, family_id=replayed.family_id)
    return None


async def bind_code_to_family(*, session: AsyncSession, code_hash: str, family_id: uuid.UUID) -> None:
    await execute(
        session,
        update(AuthorizationCode)
        .where(col(AuthorizationCode.code_hash) == code_hash)
        .values(family_id=family_id),
    )


# --- refresh tokens --------------------------------------------------------------------------------


async def save_refresh(
    *,
    session: AsyncSession,
    token: str,
    family_id: uuid.UUID,
    person_id: uuid.UUID,
    client_id: str,
    scope: str,
    auth_time: int,
    ttl: timedelta,
) -> RefreshToken:
    row = RefreshToken(
        token_hash=hash_secret(token),
        family_id=family_id,
        person_id=person_id,
        client_id=client_id,
        scope=scope,
        auth_time=auth_time,
        expires_at=utcnow() + ttl,
    )
    session.add(row)
    await session.flush()
    return row


async def rotate_refresh(*, session: AsyncSession, token: str) -> RefreshToken | None:
    """Take a refresh token for one rotation. A token that was already rotated or revoked is a sign of
    theft: the whole family (every token of that login) is revoked and None returned."""
    now = utcnow()
    token_hash = hash_secret(token)
    taken = await execute(
        session,
        update(RefreshToken)
        .where(
            col(RefreshToken.token_hash) == token_hash,
            col(RefreshToken.rotated_at).is_(None),
            col(RefreshToken.revoked_at).is_(None),
            col(RefreshToken.expires_at) > now,
        )
        .values(rotated_at=now)
        .returning(col(RefreshToken.id)),
    )
    row = taken.first()
    if row is not None:
        return await session.get(RefreshToken, row[0], populate_existing=True)
    known = (await session.exec(select(RefreshToken).where(RefreshToken.token_hash == token_hash))).first()
    if known is not None and (known.rotated_at is not None or known.revoked_at is not None):
        await revoke_family(session=session, family_id=known.family_id)
    return None


async def find_refresh(*, session: AsyncSession, token: str) -> RefreshToken | None:
    return (
        await session.exec(select(RefreshToken).where(RefreshToken.token_hash == hash_secret(token)))
    ).first()


async def revoke_family(*, session: AsyncSession, family_id: uuid.UUID) -> int:
    result = await execute(
        session,
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow()),
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def revoke_person_refresh(*, session: AsyncSession, person_id: uuid.UUID) -> int:
    result = await execute(
        session,
        update(RefreshToken)
        .where(col(RefreshToken.person_id) == person_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow()),
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def live_sessions(*, session: AsyncSession, person_id: uuid.UUID) -> list[RefreshToken]:
    now = utcnow()
    return list(
        (
            await session.exec(
                select(RefreshToken).where(
                    RefreshToken.person_id == person_id,
                    col(RefreshToken.revoked_at).is_(None),
                    col(RefreshToken.rotated_at).is_(None),
                    col(RefreshToken.expires_at) > now,
                )
            )
        ).all()
    )


async def prune_expired(*, session: AsyncSession, now: datetime) -> None:
    await execute(
        session, delete(AuthorizationCode).where(col(AuthorizationCode.expires_at) < now - timedelta(days=1))
    )
    await execute(session, delete(RefreshToken).where(col(RefreshToken.expires_at) < now - timedelta(days=1)))
    await execute(session, delete(OneTimeToken).where(col(OneTimeToken.expires_at) < now - timedelta(days=1)))
