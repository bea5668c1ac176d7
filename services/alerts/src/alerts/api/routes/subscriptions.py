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
async def search_places(
    ctx: IngestDep, q: Annotated[str, Query(min_length=1, max_length=60)]
) -> list[dict[str, str | float]]:
    """Type-ahead over the district's villages (for choosing places to subscribe)."""
    gazetteer = ctx.gazetteer
    return [{"ortsteil_id": o.id, "name": o.name, "gemeinde": gazetteer.gemeinde_of(o).name,
             "ars": o.ars, "lat": o.lat, "lon": o.lon} for o in gazetteer.search(q)]
