from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

# The sample service is a package beside these tests, imported like an installed service.
sys.path.insert(0, str(Path(__file__).parent))

from platformkit.migrations import upgrade  # noqa: E402
from platformkit.testing.tokens import TokenFactory  # noqa: E402
from sampleservice.main import SampleSettings, service  # noqa: E402

AuthHeaders = Callable[..., dict[str, str]]


@pytest.fixture
async def client(
    database_url: str, oidc_issuer: Any, token_factory: TokenFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """The sample service, migrated, running its lifespan, called over ASGI."""
    upgrade(service, database_url)
    settings = SampleSettings(
        database_url=database_url, oidc_issuer=oidc_issuer.issuer, oidc_audience="sample"
    )
    app = service.create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sample") as http:
            yield http


@pytest.fixture
def auth(token_factory: TokenFactory) -> AuthHeaders:
    def headers(sub: str = "person-1", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_factory.issue(sub=sub, audience='sample')}", **extra}

    return headers
