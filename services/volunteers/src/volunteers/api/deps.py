"""Dependencies of volunteers' routes, as Annotated aliases."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from platformkit.auth import Principal, PrincipalDep
from platformkit.problems import ProblemError
from volunteers.config import VolunteersSettings

STAFF_ROLE = "operator"


def get_volunteers_settings(request: Request) -> VolunteersSettings:
    settings = request.app.state.settings
    assert isinstance(settings, VolunteersSettings)
    return settings


SettingsDep = Annotated[VolunteersSettings, Depends(get_volunteers_settings)]


def person_of(principal: PrincipalDep) -> uuid.UUID:
    """The person a token is about (client tokens, whose `sub` is a client id, are refused)."""
    try:
        return uuid.UUID(principal.sub)
    except ValueError:
        raise ProblemError(403, "FORBIDDEN", "This needs a person's token.") from None


PersonDep = Annotated[uuid.UUID, Depends(person_of)]


def is_staff(principal: Principal, scope: str) -> bool:
    return principal.has_role(STAFF_ROLE) and (principal.has_scope(scope) or principal.has_scope("admin"))


def staff_with(*scopes: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: district staff (operator) whose token carries one of `scopes` (or admin); else 403."""

    async def check(principal: PrincipalDep) -> Principal:
        if not any(is_staff(principal, scope) for scope in scopes):
            raise ProblemError(403, "FORBIDDEN",
                               "This needs district staff with the scope " + " or ".join(scopes) + ".",
                               headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        return principal

    return check


VerifierDep = Annotated[Principal, Depends(staff_with("verifier"))]
HelpDeskDep = Annotated[Principal, Depends(staff_with("verifier", "people-desk"))]
