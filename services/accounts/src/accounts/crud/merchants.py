"""Merchant integrations: API keys (many per merchant) and registered OAuth clients. Secrets are
returned once, at creation, and kept only as hashes."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts.crud._sql import execute
from accounts.domain.secrets import hash_secret, new_api_key, new_client_secret
from accounts.models import ApiKey, OAuthClient
from platformkit import audit
from platformkit.db import utcnow
from platformkit.pagination import PageParams, paginate


async def create_api_key(
    *, session: AsyncSession, merchant_id: str, name: str, scopes: str, created_by: str
) -> tuple[ApiKey, str]:
    key_id, secret, prefix = new_api_key()
    key = ApiKey(
        id=key_id,
        merchant_id=merchant_id,
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        scopes=scopes,
        created_by=created_by,
    )
    session.add(key)
    await session.flush()
    return key, secret


async def list_api_keys(
    *, session: AsyncSession, merchant_id: str, params: PageParams
) -> tuple[list[ApiKey], str | None]:
    statement = select(ApiKey).where(ApiKey.merchant_id == merchant_id)
    return await paginate(session, statement, order_by=[ApiKey.created_at, ApiKey.id], params=params)


async def get_api_key(*, session: AsyncSession, key_id: str) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def merchants_api_key(*, session: AsyncSession, merchant_id: str, key_id: str) -> ApiKey | None:
    """The key if it belongs to this merchant; another merchant's key is as absent as a missing one."""
    key = await session.get(ApiKey, key_id)
    return key if key is not None and key.merchant_id == merchant_id else None


async def revoke_api_key(
    *, session: AsyncSession, merchant_id: str, key_id: str, actor_id: str
) -> ApiKey | None:
    key = await merchants_api_key(session=session, merchant_id=merchant_id, key_id=key_id)
    if key is None:
        return None
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        key.revoked_by = actor_id
        session.add(key)
        await session.flush()
    return key


async def touch_api_key(*, session: AsyncSession, key_id: str) -> None:
    await execute(session, update(ApiKey).where(col(ApiKey.id) == key_id).values(last_used_at=utcnow()))


async def revoke_keys_created_by(*, session: AsyncSession, person_id: str) -> int:
    result = await execute(
        session,
        update(ApiKey)
        .where(col(ApiKey.created_by) == person_id, col(ApiKey.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_by=person_id),
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def forget_creator(*, session: AsyncSession, person_id: str) -> None:
    """After erasure the key stays the merchant's; who made it is no longer known."""
    await execute(session, update(ApiKey).where(col(ApiKey.created_by) == person_id).values(created_by=None))
    await execute(session, update(ApiKey).where(col(ApiKey.revoked_by) == person_id).values(revoked_by=None))


async def create_client(
    *, session: AsyncSession, name: str, merchant_id: str, scopes: str, actor_id: str
) -> tuple[OAuthClient, str]:
    secret = new_client_secret()
    client = OAuthClient(
        client_id=f"mc_{uuid.uuid4().hex[:16]}",
        name=name,
        secret_hash=hash_secret(secret),
        merchant_id=merchant_id,
        scopes=scopes,
        created_by=actor_id,
    )
    session.add(client)
    await session.flush()
    audit.record(
        session,
        actor=actor_id,
        action="oauth_client.created",
        details={"client_id": client.client_id, "merchant_id": merchant_id, "scopes": scopes},
    )
    return client, secret


async def get_client(*, session: AsyncSession, client_id: str) -> OAuthClient | None:
    return await session.get(OAuthClient, client_id)


async def list_clients(
    *, session: AsyncSession, params: PageParams, merchant_id: str | None = None
) -> tuple[list[OAuthClient], str | None]:
    statement = select(OAuthClient)
    if merchant_id is not None:
        statement = statement.where(OAuthClient.merchant_id == merchant_id)
    return await paginate(
        session, statement, order_by=[OAuthClient.created_at, OAuthClient.client_id], params=params
    )


async def revoke_client(*, session: AsyncSession, client_id: str, actor_id: str) -> OAuthClient | None:
    client = await session.get(OAuthClient, client_id)
    if client is None:
        return None
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        session.add(client)
        audit.record(
            session,
            actor=actor_id,
            action="oauth_client.revoked",
            details={"client_id": client_id},
        )
        await session.flush()
    return client
