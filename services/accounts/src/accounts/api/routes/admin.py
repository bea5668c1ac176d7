"""District staff's routes. `people-desk` (or `admin`): phone-only people — create, read, change,
erase — every action audited with the staff member's id. `admin`: role grants, the audit log, held
mails, signing-key rotation, merchant OAuth clients."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from accounts import issuer
from accounts.api.deps import AdminDep, PeopleDeskDep, SettingsDep
from accounts.api.routes.api_keys import check_merchant_scopes
from accounts.api.routes.me import parse_if_match
from accounts.api.views import audit_public, client_public, etag, mail_public, person_public, role_public
from accounts.crud import erasure, keys, mail, merchants, people, roles
from accounts.domain import texts_de as texts
from accounts.domain.roles import Grant, grant_problem
from accounts.models import Person
from accounts.personal_data import erase_account
from accounts.schemas import (
    AuditPage,
    ErasurePage,
    ErasurePublic,
    ErasureReportPublic,
    MailPage,
    OAuthClientCreate,
    OAuthClientCreated,
    OAuthClientPage,
    OAuthClientPublic,
    PersonFound,
    PersonFoundPage,
    PersonPublic,
    PersonUpdate,
    PhoneOnlyCreate,
    RoleGrantCreate,
    RolePublic,
    SigningKeyPublic,
)
from platformkit import audit
from platformkit.deps import DatabaseDep, SessionDep
from platformkit.pagination import PageDep
from platformkit.problems import ProblemError

router = APIRouter(prefix="/admin", tags=["admin"])


async def _person(session: AsyncSession, person_id: uuid.UUID) -> Person:
    person = await people.get(session=session, person_id=person_id)
    if person is None:
        raise ProblemError(404, "PERSON_NOT_FOUND", texts.PERSON_NOT_FOUND)
    return person


async def _phone_only(session: AsyncSession, person_id: uuid.UUID) -> Person:
    person = await _person(session, person_id)
    if person.email is not None:
        raise ProblemError(409, "NOT_PHONE_ONLY", texts.NOT_PHONE_ONLY)
    return person


# --- people ------------------------------------------------------------------------------------------


@router.post("/people", status_code=201, response_model=PersonPublic)
async def create_phone_only_person(
    body: PhoneOnlyCreate, staff: PeopleDeskDep, session: SessionDep, response: Response
) -> PersonPublic:
    """An account for someone without e-mail or smartphone: name and phone, no password."""
    person = await people.create_phone_only(
        session=session, actor_id=staff.sub, name=body.name, phone=body.phone, home_place=body.home_place
    )
    await session.commit()
    response.headers["ETag"] = etag(person)
    return person_public(person, [])


@router.get("/people", response_model=PersonFoundPage)
async def find_phone_only_people(
    staff: PeopleDeskDep,
    session: SessionDep,
    page: PageDep,
    q: Annotated[str, Query(max_length=100, description="Part of a name or phone number, 2 characters or more")],
) -> PersonFoundPage:
    """The desk finds the phone-only person on the line by name or number (see `crud.people`). Audited:
    that staff searched, and how many they found — not the words (a name typed is personal data)."""
    if len(q.strip()) < 2:  # one code for "x" and for "  " (which would find everyone)
        raise ProblemError(422, "QUERY_TOO_SHORT", texts.QUERY_TOO_SHORT, field="query.q")
    found, cursor = await people.find_phone_only(session=session, query=q, params=page)
    audit.record(session, actor=staff.sub, action="people.searched", details={"found": len(found)})
    await session.commit()
    return PersonFoundPage(
        items=[
            PersonFound(id=p.id, name=p.name, phone=p.phone, home_place=p.home_place, created_at=p.created_at)
            for p in found
        ],
        next_cursor=cursor,
    )


@router.get("/people/{person_id}", response_model=PersonPublic)
async def read_person(
    person_id: uuid.UUID, staff: PeopleDeskDep, session: SessionDep, response: Response
) -> PersonPublic:
    person = await _person(session, person_id)
    audit.record(session, actor=staff.sub, action="person.read", person_id=person.id)
    grants = await roles.active_grants(session=session, person_id=person.id)
    await session.commit()
    response.headers["ETag"] = etag(person)
    return person_public(person, grants)


@router.patch("/people/{person_id}", response_model=PersonPublic)
async def update_phone_only_person(
    person_id: uuid.UUID,
    body: PersonUpdate,
    staff: PeopleDeskDep,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> PersonPublic:
    """Change a phone-only person's data on their behalf (people with a login change their own)."""
    expected = parse_if_match(if_match)
    await _phone_only(session, person_id)
    changes = body.model_dump(exclude_unset=True)
    updated = await people.update_fields(
        session=session, person_id=person_id, expected_version=expected, changes=changes
    )
    if updated is None:
        raise ProblemError(412, "VERSION_MISMATCH", texts.VERSION_MISMATCH, field="header.If-Match")
    audit.record(
        session,
        actor=staff.sub,
        action="person.updated",
        person_id=person_id,
        details={"fields": sorted(changes)},
    )
    await session.commit()
    response.headers["ETag"] = etag(updated)
    return person_public(updated, await roles.active_grants(session=session, person_id=person_id))


@router.delete("/people/{person_id}", status_code=204)
async def erase_phone_only_person(person_id: uuid.UUID, staff: PeopleDeskDep, session: SessionDep) -> None:
    """Erase a phone-only person at their request (they cannot do it themselves)."""
    person = await _phone_only(session, person_id)
    await erase_account(session, person=person, actor_id=staff.sub)
    await session.commit()


# --- roles -------------------------------------------------------------------------------------------


@router.post("/people/{person_id}/roles", status_code=201, response_model=RolePublic)
async def grant_role(
    person_id: uuid.UUID, body: RoleGrantCreate, staff: AdminDep, session: SessionDep
) -> RolePublic:
    grant = Grant(body.role, body.merchant_id, body.organisation_id, " ".join(body.scopes))
    problem = grant_problem(grant)
    if problem is not None:
        raise ProblemError(422, "ROLE_NOT_GRANTABLE", problem, field="body.role")
    await _person(session, person_id)
    row = await roles.grant_role(session=session, person_id=person_id, grant=grant, actor_id=staff.sub)
    await session.commit()
    return role_public(row)


@router.delete("/people/{person_id}/roles/{grant_id}", status_code=204)
async def revoke_role(
    person_id: uuid.UUID, grant_id: uuid.UUID, staff: AdminDep, session: SessionDep
) -> None:
    if (
        await roles.revoke_role(session=session, person_id=person_id, grant_id=grant_id, actor_id=staff.sub)
        is None
    ):
        raise ProblemError(404, "ROLE_GRANT_NOT_FOUND", texts.ROLE_GRANT_NOT_FOUND)
    await session.commit()


# --- audit log and mails ---------------------------------------------------------------------------------


@router.get("/audit-log", response_model=AuditPage)
async def read_audit_log(
    _staff: AdminDep,
    session: SessionDep,
    page: PageDep,
    person_id: Annotated[uuid.UUID | None, Query()] = None,
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
) -> AuditPage:
    rows, cursor = await audit.page(session, page, person_id=person_id, actor=actor_id)
    return AuditPage(items=[audit_public(row) for row in rows], next_cursor=cursor)


@router.get("/erasures", response_model=ErasurePage)
async def read_erasures(
    _staff: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    person_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ErasurePage:
    """Every erasure with each service's completion report and the services still awaited."""
    expected = ["accounts", *settings.personal_data_services]
    found, cursor = await erasure.erasures(session=session, params=page, expected=expected, person_id=person_id)
    return ErasurePage(
        items=[
            ErasurePublic(
                person_id=item.person_id, erased_at=item.erased_at, complete=not item.waiting_for,
                waiting_for=item.waiting_for,
                reports=[ErasureReportPublic.model_validate(report) for report in item.reports],
            )
            for item in found
        ],
        next_cursor=cursor,
    )


@router.get("/mails", response_model=MailPage)
async def read_mails(
    _staff: AdminDep,
    session: SessionDep,
    page: PageDep,
    status: Annotated[str | None, Query(pattern="^(pending|held|sent|failed|cancelled)$")] = None,
) -> MailPage:
    """The mails accounts sent or holds (platformkit.outbound); in the embedded default (no SMTP_URL) the
    place to read what would have been sent."""
    rows, cursor = await mail.list_messages(session=session, params=page, status=status)
    return MailPage(items=[mail_public(row) for row in rows], next_cursor=cursor)


# --- signing keys ----------------------------------------------------------------------------------------


@router.get("/signing-keys", response_model=list[SigningKeyPublic])
async def list_signing_keys(
    _staff: AdminDep, db: DatabaseDep, settings: SettingsDep
) -> list[SigningKeyPublic]:
    await issuer.load_keys(db, settings)  # creates the first key if there is none yet
    async with db.session() as session:
        rows = await keys.all_keys(session=session)
    return [
        SigningKeyPublic(kid=r.kid, alg=r.alg, created_at=r.created_at, signs_from=r.signs_from) for r in rows
    ]


@router.post("/signing-keys", status_code=201, response_model=SigningKeyPublic)
async def rotate_signing_key(staff: AdminDep, session: SessionDep, settings: SettingsDep) -> SigningKeyPublic:
    """Rotate: a new key, published at once, signing after SIGNING_KEY_ACTIVATION_DELAY_SECONDS; older
    keys stay published until their tokens have expired."""
    key = await keys.rotate(session=session, settings=settings, actor_id=staff.sub)
    audit.record(
        session, actor=staff.sub, action="signing_key.rotated", details={"kid": key.kid}
    )
    await session.commit()
    return SigningKeyPublic(kid=key.kid, alg=key.alg, created_at=key.created_at, signs_from=key.signs_from)


# --- merchant OAuth clients ------------------------------------------------------------------------------


@router.post("/oauth-clients", status_code=201, response_model=OAuthClientCreated)
async def create_oauth_client(
    body: OAuthClientCreate, staff: AdminDep, session: SessionDep
) -> OAuthClientCreated:
    """Register a merchant integration for client credentials; `client_secret` is shown only here."""
    client, secret = await merchants.create_client(
        session=session,
        name=body.name,
        merchant_id=body.merchant_id,
        scopes=check_merchant_scopes(body.scopes),
        actor_id=staff.sub,
    )
    await session.commit()
    return OAuthClientCreated(**client_public(client).model_dump(), client_secret=secret)


@router.get("/oauth-clients", response_model=OAuthClientPage)
async def list_oauth_clients(
    _staff: AdminDep,
    session: SessionDep,
    page: PageDep,
    merchant_id: Annotated[str | None, Query(max_length=64)] = None,
) -> OAuthClientPage:
    rows, cursor = await merchants.list_clients(session=session, params=page, merchant_id=merchant_id)
    return OAuthClientPage(items=[client_public(row) for row in rows], next_cursor=cursor)


@router.delete("/oauth-clients/{client_id}", response_model=OAuthClientPublic)
async def revoke_oauth_client(client_id: str, staff: AdminDep, session: SessionDep) -> OAuthClientPublic:
    client = await merchants.revoke_client(session=session, client_id=client_id, actor_id=staff.sub)
    if client is None:
        raise ProblemError(404, "CLIENT_NOT_FOUND", texts.CLIENT_NOT_FOUND)
    await session.commit()
    return client_public(client)
