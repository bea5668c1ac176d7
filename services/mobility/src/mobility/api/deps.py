"""Dependencies of mobility's routes: who the caller is, staff scopes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from mobility.config import MobilitySettings
from platformkit.auth import Principal, PrincipalDep, require_roles, require_scopes
from platformkit.problems import ProblemError


def mobility_settings(request: Request) -> MobilitySettings:
    settings = request.app.state.settings
    assert isinstance(settings, MobilitySettings)
    return settings


def person_of(principal: Principal) -> uuid.UUID:
    try:
        return uuid.UUID(principal.sub)
    except ValueError:
        raise ProblemError(403, "FORBIDDEN", "This token does not stand for a person.") from None


async def caller(principal: PrincipalDep) -> uuid.UUID:
    return person_of(principal)


MobilitySettingsDep = Annotated[MobilitySettings, Depends(mobility_settings)]
PersonDep = Annotated[uuid.UUID, Depends(caller)]


def staff(scope: str) -> object:
    """District staff (role operator) whose token carries `scope`."""
    has_role = require_roles("operator")
    has_scope = require_scopes(scope)

    async def check(principal: PrincipalDep) -> Principal:
        return await has_scope(await has_role(principal))

    return Depends(check)


DriverPrincipal = Annotated[Principal, Depends(require_roles("driver"))]
DeskPrincipal = Annotated[Principal, staff("mobility-desk")]
VerifierPrincipal = Annotated[Principal, staff("verifier")]
