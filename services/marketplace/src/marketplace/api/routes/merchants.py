"""Onboarding: a signed-in person applies for a merchant (status pending, a merchant id assigned here);
district staff approve it, and accounts then binds the applicant's `merchant` role to that id (through
`marketplace.merchant.approved.v1`, which carries the applicant kept on the merchant)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from marketplace.api.deps import GazetteerDep, PersonDep
from marketplace.crud import catalogue, places
from marketplace.schemas import MerchantCreate, MerchantPublic
from platformkit import audit
from platformkit.auth import PrincipalDep
from platformkit.deps import NowDep, SessionDep
from platformkit.idempotency import IdempotencyDep

router = APIRouter(prefix="/merchant-applications", tags=["merchants"])


@router.post("", status_code=201, response_model=MerchantPublic)
async def apply(body: MerchantCreate, person: PersonDep, principal: PrincipalDep, session: SessionDep,
                idempotency: IdempotencyDep, gazetteer: GazetteerDep, now: NowDep) -> MerchantPublic | JSONResponse:
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    places.check_villages(gazetteer, [body.ortsteil_id], "body.ortsteil_id")
    merchant = await catalogue.create_merchant(session, body=body, applicant_id=person, now=now)
    audit.record(session, by=principal, action="merchant.applied", subject_id=merchant.id,
                 merchant_id=merchant.id)
    result = MerchantPublic.model_validate(merchant)
    await idempotency.complete(201, result)
    await session.commit()
    return result
