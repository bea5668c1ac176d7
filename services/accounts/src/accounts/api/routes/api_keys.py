"""A merchant's API keys, managed by the merchant's staff (a person token with role merchant). Another
merchant's key answers 404 like a missing one."""

from __future__ import annotations

from fastapi import APIRouter

from accounts.api.deps import MerchantIdDep
from accounts.api.views import api_key_public
from accounts.crud import merchants
from accounts.domain import texts_de as texts
from accounts.domain.roles import MERCHANT_SCOPES
from accounts.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPage, ApiKeyPublic
from platformkit.auth import PrincipalDep
from platformkit.deps import SessionDep
from platformkit.pagination import PageDep
from platformkit.problems import ProblemError

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


def check_merchant_scopes(scopes: list[str]) -> str:
    if not set(scopes) <= MERCHANT_SCOPES:
        raise ProblemError(422, "BAD_SCOPES", texts.BAD_MERCHANT_SCOPES, field="body.scopes")
    return " ".join(sorted(set(scopes)))


@router.post("", status_code=201, response_model=ApiKeyCreated)
async def create_api_key(
    body: ApiKeyCreate, merchant_id: MerchantIdDep, principal: PrincipalDep, session: SessionDep
) -> ApiKeyCreated:
    """A new key; its `secret` is in this answer only."""
    key, secret = await merchants.create_api_key(
        session=session,
        merchant_id=merchant_id,
        name=body.name,
        scopes=check_merchant_scopes(body.scopes),
        created_by=principal.sub,
    )
    await session.commit()
    return ApiKeyCreated(**api_key_public(key).model_dump(), secret=secret)


@router.get("", response_model=ApiKeyPage)
async def list_api_keys(merchant_id: MerchantIdDep, session: SessionDep, page: PageDep) -> ApiKeyPage:
    rows, cursor = await merchants.list_api_keys(session=session, merchant_id=merchant_id, params=page)
    return ApiKeyPage(items=[api_key_public(key) for key in rows], next_cursor=cursor)


@router.get("/{key_id}", response_model=ApiKeyPublic)
async def read_api_key(key_id: str, merchant_id: MerchantIdDep, session: SessionDep) -> ApiKeyPublic:
    key = await merchants.merchants_api_key(session=session, merchant_id=merchant_id, key_id=key_id)
    if key is None:
        raise ProblemError(404, "API_KEY_NOT_FOUND", texts.API_KEY_NOT_FOUND)
    return api_key_public(key)


@router.delete("/{key_id}", response_model=ApiKeyPublic)
async def revoke_api_key(
    key_id: str, merchant_id: MerchantIdDep, principal: PrincipalDep, session: SessionDep
) -> ApiKeyPublic:
    """Revoke a key: from now on it gets no token (401 invalid_client); issued tokens lapse within minutes."""
    key = await merchants.revoke_api_key(
        session=session, merchant_id=merchant_id, key_id=key_id, actor_id=principal.sub
    )
    if key is None:
        raise ProblemError(404, "API_KEY_NOT_FOUND", texts.API_KEY_NOT_FOUND)
    await session.commit()
    return api_key_public(key)
