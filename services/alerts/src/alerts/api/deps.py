"""What the routes share: the ingest context of a request, the acting author, operator checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from alerts.config import AlertsSettings
from alerts.crud.context import Ingest
from alerts.crud.local import Author
from alerts.district import gazetteer
from platformkit.auth import Principal, PrincipalDep, require_roles, require_scopes
from platformkit.deps import NowDep


def ingest_context(request: Request, now: NowDep) -> Ingest:
    settings: AlertsSettings = request.app.state.settings
    return Ingest(settings, gazetteer(settings), now)


IngestDep = Annotated[Ingest, Depends(ingest_context)]

Operator = Annotated[Principal, Depends(require_roles("operator"))]


async def _author(request: Request, principal: PrincipalDep) -> Author:
    await require_roles("operator")(principal)
    await require_scopes("alert-author")(principal)
    settings: AlertsSettings = request.app.state.settings
    claimed = principal.claims.get("district")
    district = claimed if isinstance(claimed, str) and claimed else gazetteer(settings).landkreis.ars
    return Author(sub=principal.actor or principal.sub, district=district,
                  on_behalf_of=principal.sub if principal.actor else None)


AuthorDep = Annotated[Author, Depends(_author)]
