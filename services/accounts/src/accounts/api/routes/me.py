"""A person's own account: read and change their data (If-Match), download everything (DSGVO
Art. 15/20), log out everywhere, erase the account (Art. 17)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response

from accounts.api.deps import CurrentPerson
from accounts.api.views import etag, person_public
from accounts.crud import people, roles, tokens
from accounts.domain import texts_de as texts
from accounts.personal_data import erase_account
from accounts.schemas import PersonPublic, PersonUpdate
from platformkit.deps import SessionDep
from platformkit.problems import ProblemError

router = APIRouter(prefix="/me", tags=["me"])


def parse_if_match(if_match: str | None) -> int:
    if if_match is None:
        raise ProblemError(428, "IF_MATCH_REQUIRED", texts.IF_MATCH_REQUIRED, field="header.If-Match")
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ProblemError(412, "VERSION_MISMATCH", texts.VERSION_MISMATCH, field="header.If-Match")
    return int(value)


@router.get("", response_model=PersonPublic)
async def read_me(person: CurrentPerson, session: SessionDep, response: Response) -> PersonPublic:
    grants = await roles.active_grants(session=session, person_id=person.id)
    response.headers["ETag"] = etag(person)
    return person_public(person, grants)


@router.patch("", response_model=PersonPublic)
async def update_me(
    body: PersonUpdate,
    person: CurrentPerson,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> PersonPublic:
    expected = parse_if_match(if_match)
    changes = body.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise ProblemError(422, "VALIDATION_FAILED", "name cannot be empty", field="body.name")
    updated = await people.update_fields(
        session=session, person_id=person.id, expected_version=expected, changes=changes
    )
    if updated is None:
        raise ProblemError(412, "VERSION_MISMATCH", texts.VERSION_MISMATCH, field="header.If-Match")
    await session.commit()
    grants = await roles.active_grants(session=session, person_id=person.id)
    response.headers["ETag"] = etag(updated)
    return person_public(updated, grants)


@router.get("/export")
async def export_me(person: CurrentPerson, session: SessionDep) -> Response:
    """Everything accounts holds about you, as JSON to keep."""
    import json

    data: dict[str, Any] = await people.export(session=session, person=person)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="dorfmarktplatz-konto.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/logout", status_code=204)
async def log_out_everywhere(person: CurrentPerson, session: SessionDep) -> None:
    """Ends every login of this person (all refresh tokens). Access tokens lapse within minutes."""
    await tokens.revoke_person_refresh(session=session, person_id=person.id)
    await session.commit()


@router.delete("", status_code=204)
async def erase_me(person: CurrentPerson, session: SessionDep) -> None:
    """Erase your account: logins end, personal data is deleted, and every service is told."""
    await erase_account(session, person=person, actor_id=str(person.id))
    await session.commit()
