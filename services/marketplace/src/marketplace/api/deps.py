"""Dependencies of marketplace's routes, as Annotated aliases."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from sqlmodel import select

from marketplace.config import MarketplaceSettings
from marketplace.models import Merchant
from marketplace.payments import HttpPaymentProvider, PaymentProvider
from places import Gazetteer, demo
from platformkit.auth import Principal, PrincipalDep
from platformkit.deps import SessionDep
from platformkit.problems import ProblemError


def settings_of(request: Request) -> MarketplaceSettings:
    settings = request.app.state.settings
    assert isinstance(settings, MarketplaceSettings)
    return settings


# The dependencies are `async def` (as platformkit's): FastAPI runs a plain `def` one in a worker thread.
async def get_settings(request: Request) -> MarketplaceSettings:
    return settings_of(request)


async def get_gazetteer(request: Request) -> Gazetteer:
    gazetteer: Gazetteer = request.app.state.gazetteer
    return gazetteer


async def get_payments(request: Request) -> PaymentProvider | None:
    settings = settings_of(request)
    if settings.payment_provider_url is None:
        return None
    return HttpPaymentProvider(settings.payment_provider_url, request.app.state.http)


@asynccontextmanager
async def marketplace_resources(app: FastAPI) -> AsyncIterator[None]:
    """The gazetteer (read once) and the per-key request budget of the merchant API."""
    settings = app.state.settings
    assert isinstance(settings, MarketplaceSettings)
    app.state.gazetteer = Gazetteer.load(settings.gazetteer_file) if settings.gazetteer_file else demo()
    app.state.merchant_buckets = {}
    yield


MarketplaceSettingsDep = Annotated[MarketplaceSettings, Depends(get_settings)]
GazetteerDep = Annotated[Gazetteer, Depends(get_gazetteer)]
PaymentsDep = Annotated[PaymentProvider | None, Depends(get_payments)]


def person_of(principal: Principal) -> uuid.UUID:
    """The person behind a resident's token; client tokens (not a person) cannot shop."""
    try:
        return uuid.UUID(principal.sub)
    except ValueError as error:
        raise ProblemError(403, "PERSON_REQUIRED", "Only a person can do this.") from error


async def current_person(principal: PrincipalDep) -> uuid.UUID:
    return person_of(principal)


PersonDep = Annotated[uuid.UUID, Depends(current_person)]


def is_staff(principal: Principal, *scopes: str) -> bool:
    return principal.has_role("operator") and any(principal.has_scope(s) for s in (scopes or ("admin",)))


async def staff(principal: PrincipalDep) -> Principal:
    if not is_staff(principal):
        raise ProblemError(403, "FORBIDDEN", "District staff with the admin scope only.")
    return principal


async def approver(principal: PrincipalDep) -> Principal:
    if not is_staff(principal, "admin", "verifier"):
        raise ProblemError(403, "FORBIDDEN", "District staff with the admin or verifier scope only.")
    return principal


StaffDep = Annotated[Principal, Depends(staff)]
ApproverDep = Annotated[Principal, Depends(approver)]


class MerchantCaller:
    """Who calls the merchant API: a merchant's staff (role merchant) or integration (API key / client
    credentials), always bound to one merchant id. Integrations need the scope for what they do; staff
    signed in to the portal may do everything for their merchant."""

    def __init__(self, principal: Principal, merchant_id: str) -> None:
        self.principal = principal
        self.merchant_id = merchant_id

    @property
    def is_integration(self) -> bool:
        """An API key or client (its token's `sub` is the client id); a person's token names the client
        they signed in through (the gateway) but has their own `sub`."""
        return self.principal.client_id is not None and self.principal.sub == self.principal.client_id

    def require(self, scope: str) -> None:
        if not self.is_integration:
            return  # the merchant's own staff, signed in
        if not self.principal.has_scope(scope):
            raise ProblemError(403, "INSUFFICIENT_SCOPE", f"This needs the scope {scope}.",
                               headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'})


def _take_budget(request: Request, key: str, per_minute: int) -> None:
    """A token bucket per caller (per replica; the gateway limits across replicas)."""
    buckets: dict[str, tuple[float, float]] = request.app.state.merchant_buckets
    now = time.monotonic()
    tokens, last = buckets.get(key, (float(per_minute), now))
    tokens = min(float(per_minute), tokens + (now - last) * per_minute / 60)
    if tokens < 1:
        retry = math.ceil((1 - tokens) * 60 / per_minute)
        raise ProblemError(429, "RATE_LIMITED", "Too many requests for this key; slow down.",
                           headers={"Retry-After": str(retry)})
    buckets[key] = (tokens - 1, now)


async def merchant_caller(request: Request, principal: PrincipalDep) -> MerchantCaller:
    if principal.merchant_id is None or not principal.has_role("merchant"):
        raise ProblemError(403, "MERCHANT_REQUIRED", "Only a merchant's staff or integration can use this.")
    _take_budget(request, principal.sub, settings_of(request).merchant_api_requests_per_minute)
    return MerchantCaller(principal, principal.merchant_id)


MerchantDep = Annotated[MerchantCaller, Depends(merchant_caller)]


async def selling_merchant(caller: MerchantDep, session: SessionDep) -> MerchantCaller:
    """A caller whose merchant may change what it sells (goods, stock, villages, rounds, webhooks): only an
    active one. A suspended merchant keeps read access and finishes its open orders, nothing more."""
    status = (await session.exec(select(Merchant.status).where(Merchant.id == caller.merchant_id))).first()
    if status != "active":
        raise ProblemError(403, "MERCHANT_NOT_ACTIVE", "This merchant is suspended or not yet approved by the "
                           "district: open orders can be finished, but goods, stock and delivery cannot change.")
    return caller


SellingMerchantDep = Annotated[MerchantCaller, Depends(selling_merchant)]


async def if_match(value: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """The version from an If-Match header: `"3"`, `W/"3"` or `3`."""
    if value is None:
        return None
    cleaned = value.strip().removeprefix("W/").strip('"')
    if not cleaned.isdigit():
        raise ProblemError(400, "IF_MATCH_INVALID", "If-Match carries the ETag you read, e.g. \"3\".",
                           field="header.If-Match")
    return int(cleaned)


IfMatchDep = Annotated[int | None, Depends(if_match)]
