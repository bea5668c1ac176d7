"""`/api/gateway/events`: every upstream's `/ops/events`, asked as the operator; a service that does not
answer is shown as unreachable, not an error."""

from __future__ import annotations

from typing import Any

import httpx
from gwhelpers import RunningGateway

from gateway.operators import gather_event_stats


async def test_operators_with_scope_admin_see_every_upstreams_events(running_gateway: RunningGateway) -> None:
    tokens = running_gateway.issuer.tokens
    admin = tokens.issue("op-1", audience="gateway", roles=["operator"], scopes=["admin"])
    desk = tokens.issue("op-2", audience="gateway", roles=["operator"], scopes=["people-desk"])
    resident = tokens.issue("p-1", audience="gateway")
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as client:
        assert (await client.get("/api/gateway/events")).status_code == 401
        for refused in (resident, desk):
            answer = await client.get("/api/gateway/events", headers={"Authorization": f"Bearer {refused}"})
            assert answer.status_code == 403
        answer = await client.get("/api/gateway/events", headers={"Authorization": f"Bearer {admin}"})
    assert answer.status_code == 200
    [echo] = answer.json()["upstreams"]
    # The recording upstream answers anything: the call went to its /ops/events with the operator's token.
    assert echo["name"] == "echo" and echo["status"] == "ok"
    assert echo["events"]["path"] == "/ops/events" and echo["events"]["authorization"] == f"Bearer {admin}"


class _Calls:
    """Stands in for ServiceCalls: one service down, one without events, one refusing, one fine."""

    async def request(self, method: str, service: str, path: str, **_: Any) -> httpx.Response:
        assert (method, path) == ("GET", "/ops/events")
        if service == "down":
            raise httpx.ConnectError("connection refused")
        status = {"plain": 404, "strict": 403, "broken": 503}.get(service, 200)
        return httpx.Response(status, json={"service": service, "connected": True})


async def test_an_upstream_that_does_not_answer_is_shown_as_unreachable() -> None:
    results = await gather_event_stats(_Calls(), ["broken", "down", "fine", "plain", "strict"])  # type: ignore[arg-type]
    assert {result["name"]: result["status"] for result in results} == {
        "broken": "unreachable", "down": "unreachable", "fine": "ok", "plain": "no_events", "strict": "refused",
    }
    assert results[1]["error"] == "ConnectError" and results[2]["events"]["service"] == "fine"
