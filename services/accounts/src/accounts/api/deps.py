"""Dependencies of accounts' routes, as Annotated aliases."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from accounts.config import AccountsSettings
from accounts.crud import people
from accounts.domain import roles
from accounts.models import Person
from platformkit.auth import Principal, PrincipalDep
from platformkit.deps import SessionDep
from platformkit.problems import ProblemError


def get_accounts_settings(request: Request) -> AccountsSettings:
    settings = request.app.state.settings
    assert isinstance(settings, AccountsSettings)
    return settings


SettingsDep = Annotated[AccountsSettings, Depends(get_accounts_settings)]


def person_id_of(principal: Principal) -> uuid.UUID | None:
    """The person a token is about; None for client tokens (their `sub` is a client id)."""
    try:
        return uuid.UUID(principal.sub)
    except ValueError:
        return None


async def current_person(principal: PrincipalDep, session: SessionDep) -> Person:
    person_id = person_id_of(principal)
    person = await people.get(session=session, person_id=person_id) if person_id else None
    if person is None:
        raise ProblemError(404, "PERSON_NOT_FOUND", "No such person.")
    return person


CurrentPerson = Annotated[Person, Depends(current_person)]


def staff_with(scope: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: an operator whose token carries `scope` (or `admin`); else 403."""

    async def check(principal: PrincipalDep) -> Principal:
        if not principal.has_role(roles.OPERATOR) or not roles.has_staff_scope(principal.scopes, scope):
            raise ProblemError(
                403,
                "FORBIDDEN",
                "This needs district staff with the scope " + scope + ".",
                headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
            )
        return principal

    return check


AdminDep = Annotated[Principal, Depends(staff_with(roles.ADMIN))]
PeopleDeskDep = Annotated[Principal, Depends(staff_with(roles.PEOPLE_DESK))]


async def current_merchant(principal: PrincipalDep) -> str:
    """The merchant id of a merchant's staff member (a person token with role merchant)."""
    if not principal.has_role(roles.MERCHANT) or not principal.merchant_id or person_id_of(principal) is None:
        raise ProblemError(403, "NOT_A_MERCHANT", "Your account does not belong to a merchant.")
    return principal.merchant_id


MerchantIdDep = Annotated[str, Depends(current_merchant)]


def client_address(request: Request, settings: AccountsSettings) -> str:
    """The caller's address: the peer, or the entry the trusted proxies added to X-Forwarded-For."""
    hops = settings.forwarded_for_trusted_hops
    forwarded = request.headers.get("x-forwarded-for")
    if hops > 0 and forwarded:
        parts = [part.strip() for part in forwarded.split(",") if part.strip()]
        if parts:
            return parts[-hops] if len(parts) >= hops else parts[0]
    return request.client.host if request.client else "unknown"


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")
