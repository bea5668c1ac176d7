"""People: sign-up, e-mail verification, password reset, own data, phone-only people created by
staff, export and erasure."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts import events
from accounts.config import AccountsSettings
from accounts.crud import channels, mail, merchants, roles, throttle, tokens
from accounts.crud._sql import execute
from accounts.domain import texts_de as texts
from accounts.domain.roles import Grant
from accounts.domain.search import phone_digits
from accounts.domain.secrets import email_key, normalize_email
from accounts.models import (
    AuthorizationCode,
    DataExport,
    OneTimeToken,
    Person,
    RefreshToken,
    RoleGrant,
)
from platformkit import audit, outbound
from platformkit.db import utcnow
from platformkit.events import notify
from platformkit.pagination import PageParams, paginate

VERIFY_TTL = timedelta(hours=48)
RESET_TTL = timedelta(minutes=30)


async def get(*, session: AsyncSession, person_id: uuid.UUID) -> Person | None:
    person = await session.get(Person, person_id, populate_existing=True)
    return person if person is not None and person.status == "active" else None


async def by_email(*, session: AsyncSession, email: str) -> Person | None:
    return (
        await session.exec(
            select(Person).where(Person.email == normalize_email(email), Person.status == "active")
        )
    ).first()


async def find_phone_only(
    *, session: AsyncSession, query: str, params: PageParams
) -> tuple[list[Person], str | None]:
    """Active phone-only people whose name contains `query` (any case), or whose phone number contains
    its digits (`domain.search.phone_digits`), by name. People with a login are not the desk's: they
    are never found here."""
    name = func.lower(col(Person.name)).contains(query.strip().lower(), autoescape=True)
    digits = phone_digits(query)
    if digits is not None:
        number: Any = func.coalesce(col(Person.phone), "")
        for sign in (" ", "-", "/", "(", ")", "+", "."):
            number = func.replace(number, sign, "")
        matches = or_(name, number.contains(digits, autoescape=True))
    else:
        matches = name
    statement = select(Person).where(col(Person.email).is_(None), Person.status == "active", matches)
    return await paginate(session, statement, order_by=[col(Person.name), col(Person.id)], params=params)


def verify_link(settings: AccountsSettings, token: str) -> str:
    return f"{settings.link_base}/email/verify?token={quote(token)}"


def reset_link(settings: AccountsSettings, token: str | None = None) -> str:
    return f"{settings.link_base}/password/reset" + (f"?token={quote(token)}" if token else "")


async def sign_up(
    *,
    session: AsyncSession,
    settings: AccountsSettings,
    email: str,
    password_hash: str,
    name: str,
    home_place: str | None,
) -> Person | None:
    """A new person with an unverified e-mail address and a verification mail. For an address that
    already has an account nothing is created; its owner gets a hint mail instead (the caller answers
    the same either way). Returns the new person, or None."""
    address = normalize_email(email)
    existing = (await session.exec(select(Person).where(Person.email == address))).first()
    if existing is not None:
        subject, body = texts.mail_already_registered(reset_link(settings))
        await mail.queue(
            session=session,
            settings=settings,
            to_address=address,
            subject=subject,
            body=body,
            person_id=existing.id,
        )
        return None
    person = Person(email=address, password_hash=password_hash, name=name, home_place=home_place)
    session.add(person)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:  # the same address signed up concurrently: treat as existing
        return None
    token = await tokens.issue_one_time(
        session=session, person_id=person.id, purpose=tokens.VERIFY_EMAIL, ttl=VERIFY_TTL
    )
    subject, body = texts.mail_verify_email(
        name, verify_link(settings, token), int(VERIFY_TTL.total_seconds() // 3600)
    )
    await mail.queue(
        session=session,
        settings=settings,
        to_address=address,
        subject=subject,
        body=body,
        person_id=person.id,
    )
    await events.person_registered(session, person)
    return person


async def verify_email(*, session: AsyncSession, token: str) -> bool:
    person_id = await tokens.redeem_one_time(session=session, token=token, purpose=tokens.VERIFY_EMAIL)
    if person_id is None:
        return False
    verified = await execute(
        session,
        update(Person)
        .where(col(Person.id) == person_id, col(Person.email_verified_at).is_(None))
        .values(email_verified_at=utcnow()),
    )
    if verified.rowcount == 1:  # type: ignore[attr-defined]  # the first verification: the person's live feed greets them
        await notify(
            session, person_id=person_id, kind="accounts.welcome", title=texts.WELCOME_TITLE,
            body=texts.WELCOME_BODY, link="/account", dedupe_key="welcome",
        )
    return True


async def request_password_reset(*, session: AsyncSession, settings: AccountsSettings, email: str) -> None:
    """A reset mail for a known, active address (at most a few per hour, so the address cannot be
    flooded); nothing for an unknown one. The caller answers the same in every case."""
    person = await by_email(session=session, email=email)
    if person is None or person.email is None:
        return
    sent = await throttle.count_in_window(
        session=session, key=f"reset:{email_key(email)}", window=timedelta(hours=1), now=utcnow()
    )
    if sent > settings.password_reset_mails_per_hour:
        return
    token = await tokens.issue_one_time(
        session=session, person_id=person.id, purpose=tokens.RESET_PASSWORD, ttl=RESET_TTL
    )
    subject, body = texts.mail_reset_password(
        person.name, reset_link(settings, token), int(RESET_TTL.total_seconds() // 60)
    )
    await mail.queue(
        session=session,
        settings=settings,
        to_address=person.email,
        subject=subject,
        body=body,
        person_id=person.id,
    )


async def reset_password(
    *, session: AsyncSession, settings: AccountsSettings, token: str, password_hash: str
) -> bool:
    """Set a new password with a reset token; every session of the person ends, and a reset also
    proves the address. False for an unknown, used or expired token."""
    person_id = await tokens.redeem_one_time(session=session, token=token, purpose=tokens.RESET_PASSWORD)
    if person_id is None:
        return False
    person = await get(session=session, person_id=person_id)
    if person is None or person.email is None:
        return False
    now = utcnow()
    person.password_hash = password_hash
    person.email_verified_at = person.email_verified_at or now
    person.version += 1
    session.add(person)
    await tokens.drop_one_time(session=session, person_id=person.id, purpose=tokens.RESET_PASSWORD)
    await tokens.revoke_person_refresh(session=session, person_id=person.id)
    await throttle.clear(session=session, key=f"account:{email_key(person.email)}")
    subject, body = texts.mail_password_changed(person.name)
    await mail.queue(
        session=session,
        settings=settings,
        to_address=person.email,
        subject=subject,
        body=body,
        person_id=person.id,
    )
    return True


async def update_fields(
    *, session: AsyncSession, person_id: uuid.UUID, expected_version: int, changes: dict[str, Any]
) -> Person | None:
    """Change fields if the stored version is still `expected_version` (conditional UPDATE); None when
    someone else changed the person in between."""
    result = await execute(
        session,
        update(Person)
        .where(
            col(Person.id) == person_id,
            col(Person.version) == expected_version,
            col(Person.status) == "active",
        )
        .values(**changes, version=Person.version + 1)
        .returning(col(Person.id)),
    )
    if result.first() is None:
        return None
    return await session.get(Person, person_id, populate_existing=True)


async def create_phone_only(
    *,
    session: AsyncSession,
    actor_id: str,
    name: str,
    phone: str,
    home_place: str | None,
    person_id: uuid.UUID | None = None,
) -> Person:
    person = Person(
        id=person_id or uuid.uuid4(), name=name, phone=phone, home_place=home_place, created_by=actor_id
    )
    session.add(person)
    await session.flush()
    audit.record(
        session, actor=actor_id, action="person.created_phone_only", person_id=person.id
    )
    await events.person_registered(session, person)
    return person


async def erase_records(*, session: AsyncSession, person_id: uuid.UUID, erased_at: datetime) -> dict[str, int]:
    """Forget a person (accounts' part of the personal-data contract): future commitments end (sessions,
    codes, API keys they made, roles), rows that only carried personal data are deleted, personal fields
    are emptied; the row itself stays (counts) with `status=erased`. Idempotent: a second run finds
    nothing left and counts zeros."""
    pid = person_id
    counts: dict[str, int] = {}

    async def deleted(name: str, statement: Any) -> None:
        counts[name] = int((await execute(session, statement)).rowcount)  # type: ignore[attr-defined]

    await deleted("sessions_ended", delete(RefreshToken).where(col(RefreshToken.person_id) == pid))
    await deleted("codes_deleted", delete(AuthorizationCode).where(col(AuthorizationCode.person_id) == pid))
    await deleted("one_time_tokens_deleted", delete(OneTimeToken).where(col(OneTimeToken.person_id) == pid))
    counts.update(await channels.forget_person(session=session, person_id=pid))
    await deleted("data_exports_deleted", delete(DataExport).where(col(DataExport.person_id) == pid))
    counts["api_keys_revoked"] = await merchants.revoke_keys_created_by(session=session, person_id=str(pid))
    await merchants.forget_creator(session=session, person_id=str(pid))
    counts["roles_revoked"] = await roles.revoke_all(session=session, person_id=pid, actor_id="erasure")
    person = await session.get(Person, pid, populate_existing=True)
    counts["people_anonymised"] = 0
    if person is not None and person.status != "erased":
        if person.email:
            await throttle.clear(session=session, key=f"account:{email_key(person.email)}")
            await throttle.clear(session=session, key=f"reset:{email_key(person.email)}")
        person.email = None
        person.email_verified_at = None
        person.password_hash = None
        person.name = texts.ERASED_NAME
        person.phone = None
        person.home_place = None
        person.status = "erased"
        person.erased_at = erased_at
        person.version += 1
        session.add(person)
        await session.flush()
        counts["people_anonymised"] = 1
    return counts


async def export(*, session: AsyncSession, person: Person) -> dict[str, Any]:
    """Everything accounts holds about the person (DSGVO Art. 15/20), as plain JSON-able data."""
    pid = person.id
    grants = (await session.exec(select(RoleGrant).where(RoleGrant.person_id == pid))).all()
    refresh = await tokens.live_sessions(session=session, person_id=pid)
    messages = await outbound.messages_of(session, person_id=pid)
    entries = await audit.entries_of(session, pid)
    from accounts.models import ApiKey

    keys = (await session.exec(select(ApiKey).where(ApiKey.created_by == str(pid)))).all()
    return {
        "exported_at": utcnow().isoformat(),
        "service": "accounts",
        "person": person.model_dump(mode="json", exclude={"password_hash"})
        | {"has_password": person.password_hash is not None},
        "roles": [g.model_dump(mode="json") for g in grants],
        "sessions": [
            {
                "client_id": r.client_id,
                "issued_at": r.issued_at.isoformat(),
                "expires_at": r.expires_at.isoformat(),
            }
            for r in refresh
        ],
        "mails": [
            {
                "subject": json.loads(m["payload"]).get("subject", ""),
                "to_address": m["target"],
                "status": m["status"],
                "created_at": m["created_at"].isoformat(),
            }
            for m in messages
            if m["channel"] == "mail"
        ],
        "notifications_sent": [
            {
                "channel": m["channel"],
                "to": m["target"],
                "status": m["status"],
                "created_at": m["created_at"].isoformat(),
            }
            for m in messages
            if m["channel"] != "mail"
        ],
        "push_subscriptions": [
            {"endpoint": s.endpoint, "created_at": s.created_at.isoformat()}
            for s in await channels.push_subscriptions(session=session, person_id=pid)
        ],
        "notification_channels": await channels.chosen(session=session, person=person),
        "api_keys_created": [
            {
                "id": k.id,
                "merchant_id": k.merchant_id,
                "name": k.name,
                "prefix": k.prefix,
                "created_at": k.created_at.isoformat(),
                "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
            }
            for k in keys
        ],
        "audit_log": [e.model_dump(mode="json") for e in entries],
    }


async def ensure_operator(
    *,
    session: AsyncSession,
    email: str,
    name: str,
    password_hash: str,
    scopes: str,
    actor_id: str,
    person_id: uuid.UUID | None = None,
) -> Person:
    """An operator with a verified address (bootstrap and demo seed); unchanged when the address exists."""
    existing = await by_email(session=session, email=email)
    if existing is not None:
        return existing
    person = Person(
        id=person_id or uuid.uuid4(),
        email=normalize_email(email),
        email_verified_at=utcnow(),
        password_hash=password_hash,
        name=name,
    )
    session.add(person)
    await session.flush()
    await roles.grant_role(
        session=session, person_id=person.id, grant=Grant(role="operator", scopes=scopes), actor_id=actor_id
    )
    await events.person_registered(session, person)
    return person
