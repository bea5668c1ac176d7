"""A person's subscription (places, topics, minimum severity, languages) and the district's places to pick."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from alerts.api.deps import IngestDep
from alerts.crud import subscriptions
from alerts.domain.matching import Topic
from alerts.domain.message import Severity
from alerts.models import Subscription, SubscriptionPlace
from alerts.schemas import PlaceOut, SubscriptionIn, SubscriptionOut
from platformkit.auth import PrincipalDep
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.problems import ProblemError

router = APIRouter(tags=["subscriptions"])


def person_of(sub: str) -> uuid.UUID:
    try:
        return uuid.UUID(sub)
    except ValueError:
        raise ProblemError(403, "NOT_A_PERSON", "Only a person's token has subscriptions.") from None


def _out(sub: Subscription, places: list[SubscriptionPlace]) -> SubscriptionOut:
    return SubscriptionOut(
        id=sub.id,
        places=[PlaceOut(kind=p.kind, place_ref=p.place_ref, label=p.label, lat=p.lat, lon=p.lon,
                         radius_m=p.radius_m, ars=p.ars) for p in places],
        topics=Topic(sub.topic_mask).names(), min_severity=Severity(sub.min_severity).word,
        languages=sub.languages.split(), updated_at=sub.updated_at,
    )


@router.get("/me/subscription", response_model=SubscriptionOut)
async def get_subscription(principal: PrincipalDep, session: ReadSessionDep) -> SubscriptionOut:
    found = await subscriptions.get(session, person_of(principal.sub))
    if found is None:
        raise ProblemError(404, "SUBSCRIPTION_NOT_FOUND", "You have not subscribed to any place yet.")
    return _out(*found)


@router.put("/me/subscription", response_model=SubscriptionOut)
async def put_subscription(
    body: SubscriptionIn, principal: PrincipalDep, session: SessionDep, ctx: IngestDep
) -> SubscriptionOut:
    """Subscribe places and topics (replaces the earlier choice)."""
    sub, places = await subscriptions.replace(
        session, person_of(principal.sub), body, ctx.gazetteer, max_radius_m=ctx.settings.max_radius_m, now=ctx.now
    )
    out = _out(sub, places)
    await session.commit()
    return out


@router.delete("/me/subscription", status_code=204)
async def delete_subscription(principal: PrincipalDep, session: SessionDep) -> Response:
    await subscriptions.remove(session, person_of(principal.sub))
    await session.commit()
    return Response(status_code=204)


@router.get("/places")
async def list_places(
    ctx: IngestDep, q: Annotated[str | None, Query(min_length=1, max_length=60)] = None
) -> list[dict[str, str | float]]:
    """The district's villages to choose from: all (by name), or a type-ahead search with `q`."""
    gazetteer = ctx.gazetteer
    found = gazetteer.search(q) if q else sorted(gazetteer.ortsteile, key=lambda o: (o.name, o.id))
    return [{"ortsteil_id": o.id, "name": o.name, "gemeinde": gazetteer.gemeinde_of(o).name,
             "ars": o.ars, "lat": o.lat, "lon": o.lon} for o in found]


@router.get("/district")
async def district(ctx: IngestDep) -> dict[str, object]:
    """The district this service warns for: its key, name and Gemeinden (for choosing areas)."""
    gazetteer = ctx.gazetteer
    return {"ars": gazetteer.landkreis.ars, "name": gazetteer.landkreis.name,
            "gemeinden": [{"ars": g.ars, "name": g.name} for g in gazetteer.gemeinden]}
