"""Channels beside the live feed: anonymous push-only subscriptions (people without an account) and
displays that get the warnings as signed webhooks — both sent through platformkit.outbound."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response
from sqlmodel import col, select

from alerts.api.deps import IngestDep, Operator
from alerts.crud import channels, subscriptions
from alerts.crud.local import Author, audit
from alerts.models import Display, Subscription
from alerts.schemas import AnonymousSubscriptionIn, AnonymousSubscriptionOut, DisplayIn, DisplayOut
from platformkit import outbound
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.outbound.webpush import vapid_public_key
from platformkit.problems import ProblemError

router = APIRouter(tags=["channels"])


async def _public(url: str, ctx: IngestDep, field: str) -> str:
    try:
        return await outbound.check_public_url(
            url, allowed_networks=outbound.parse_networks(ctx.settings.outbound_allowed_networks))
    except outbound.UnsafeUrl as refused:
        raise ProblemError(422, refused.code.upper(), refused.reason, field=field) from None


@router.get("/push/key")
async def push_key(ctx: IngestDep) -> dict[str, str]:
    """The VAPID public key browsers subscribe with."""
    private = ctx.settings.web_push_private_key
    if private is None:
        raise ProblemError(404, "PUSH_NOT_CONFIGURED", "Web Push is not set up on this platform.")
    return {"public_key": vapid_public_key(private.get_secret_value())}


@router.post("/push/subscriptions", status_code=201, response_model=AnonymousSubscriptionOut)
async def subscribe_anonymously(body: AnonymousSubscriptionIn, session: SessionDep, ctx: IngestDep
                                ) -> AnonymousSubscriptionOut:
    """Warnings for places without an account: only a push endpoint. Keep the token: it deletes it."""
    if ctx.settings.web_push_private_key is None:
        raise ProblemError(404, "PUSH_NOT_CONFIGURED", "Web Push is not set up on this platform.")
    await _public(body.push.endpoint, ctx, "push.endpoint")
    holder = uuid.uuid4()
    sub, _ = await subscriptions.replace(session, holder, body, ctx.gazetteer, max_radius_m=ctx.settings.max_radius_m,
                                         now=ctx.now)
    token, digest = channels.new_token()
    sub.push_target, sub.token_sha256 = json.dumps(body.push.model_dump()), digest
    session.add(sub)
    out = AnonymousSubscriptionOut(id=sub.id, token=token)
    await session.commit()
    return out


@router.delete("/push/subscriptions/{subscription_id}", status_code=204)
async def unsubscribe_anonymously(
    subscription_id: uuid.UUID, session: SessionDep,
    subscription_token: Annotated[str, Header(max_length=100)] = "",
) -> Response:
    sub = await session.get(Subscription, subscription_id)
    if sub is None or sub.token_sha256 is None or sub.token_sha256 != channels.token_hash(subscription_token):
        raise ProblemError(404, "SUBSCRIPTION_NOT_FOUND", "No such subscription.")
    await subscriptions.remove(session, sub.person_id)
    await session.commit()
    return Response(status_code=204)


def _may_configure(operator: Operator) -> None:
    if not operator.has_scope("admin") and not operator.has_scope("alert-author"):
        raise ProblemError(403, "FORBIDDEN", "Displays are configured by alert authors or admins.")


def _display_out(display: Display, secret: str | None = None) -> DisplayOut:
    return DisplayOut(id=display.id, name=display.name, url=display.url, ars=display.ars, enabled=display.enabled,
                      consecutive_failures=display.consecutive_failures, secret=secret)


@router.post("/displays", status_code=201, response_model=DisplayOut)
async def add_display(body: DisplayIn, operator: Operator, session: SessionDep, ctx: IngestDep) -> DisplayOut:
    """A display (or another system) that gets the district's public warnings as Standard Webhooks; the
    signing secret is in this answer only."""
    _may_configure(operator)
    url = await _public(body.url, ctx, "url")
    display = Display(name=body.name, url=url, secret=outbound.new_webhook_secret(), ars=body.ars or "",
                      created_by=operator.sub[:64])
    session.add(display)
    await session.flush()
    audit(session, Author(operator.sub, ctx.gazetteer.landkreis.ars), "display.added", None, f"{body.name} {url}")
    out = _display_out(display, display.secret)
    await session.commit()
    return out


@router.get("/displays", response_model=list[DisplayOut])
async def list_displays(_: Operator, session: ReadSessionDep) -> list[DisplayOut]:
    return [_display_out(d) for d in (await session.exec(select(Display).order_by(col(Display.name)))).all()]


@router.delete("/displays/{display_id}", status_code=204)
async def remove_display(display_id: uuid.UUID, operator: Operator, session: SessionDep, ctx: IngestDep) -> Response:
    _may_configure(operator)
    display = await session.get(Display, display_id)
    if display is None:
        raise ProblemError(404, "DISPLAY_NOT_FOUND", "No such display.")
    await outbound.cancel(session, reference=f"display:{display.id}")
    await session.delete(display)
    audit(session, Author(operator.sub, ctx.gazetteer.landkreis.ars), "display.removed", None, display.name)
    await session.commit()
    return Response(status_code=204)
