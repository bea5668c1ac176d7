"""The payment-provider adapter: authorize before stock is committed, capture after packing (at most what
was authorized), void when the order cannot be placed or is cancelled.

`HttpPaymentProvider` speaks a small JSON protocol that a provider's integration (or the test server in
tests/) answers:
    POST /authorizations            {amount_cents, reference, token} -> 201 {id} | 402 declined
    POST /authorizations/{id}/capture {amount_cents}                 -> 200
    POST /authorizations/{id}/void                                  -> 200
"""

from __future__ import annotations

from typing import Protocol

import httpx


class PaymentDeclined(Exception):
    pass


class PaymentUnavailable(Exception):
    pass


class PaymentProvider(Protocol):
    async def authorize(self, *, amount_cents: int, reference: str, token: str) -> str: ...

    async def capture(self, *, authorization_id: str, amount_cents: int) -> None: ...

    async def void(self, *, authorization_id: str) -> None: ...


class HttpPaymentProvider:
    def __init__(self, base_url: str, http: httpx.AsyncClient) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http

    async def _post(self, path: str, body: dict[str, object]) -> httpx.Response:
        try:
            return await self.http.post(self.base_url + path, json=body)
        except httpx.HTTPError as error:
            raise PaymentUnavailable(str(error)) from error

    async def authorize(self, *, amount_cents: int, reference: str, token: str) -> str:
        response = await self._post("/authorizations",
                                    {"amount_cents": amount_cents, "reference": reference, "token": token})
        if response.status_code == 402:
            raise PaymentDeclined(response.text[:200])
        if response.status_code != 201:
            raise PaymentUnavailable(f"authorize answered {response.status_code}")
        return str(response.json()["id"])

    async def capture(self, *, authorization_id: str, amount_cents: int) -> None:
        response = await self._post(f"/authorizations/{authorization_id}/capture", {"amount_cents": amount_cents})
        if response.status_code != 200:
            raise PaymentUnavailable(f"capture answered {response.status_code}")

    async def void(self, *, authorization_id: str) -> None:
        response = await self._post(f"/authorizations/{authorization_id}/void", {})
        if response.status_code != 200:
            raise PaymentUnavailable(f"void answered {response.status_code}")
