"""The gateway app over real sockets: a recording upstream, a test issuer, a real nats-server.

Token checks at the edge (bad tokens never reach the upstream), what is forwarded, security headers,
CORS, the body cap, timeouts, and the browser session's cookie turned into a bearer token with CSRF."""

from __future__ import annotations

import time

import httpx
import pytest
from gwhelpers import RunningGateway, store_session

from platformkit.testing.tokens import OidcIssuer, tamper_signature

pytestmark = pytest.mark.timeout(120)


def bad_tokens(issuer: OidcIssuer) -> dict[str, str]:
    tokens = issuer.tokens
    return {
        "expired": tokens.issue(audience="gateway", expires_in=-300),
        "wrong audience": tokens.issue(audience="mobility"),
        "alg none": tokens.forge_alg_none(audience="gateway"),
        "key confusion": tokens.forge_hs256_with_public_key(audience="gateway"),
        "bad signature": tamper_signature(tokens.issue(audience="gateway")),
        "foreign issuer": tokens.issue(audience="gateway", issuer="https://evil.example"),
        "garbage": "not-a-jwt",
    }


async def test_bad_tokens_are_refused_before_the_upstream(running_gateway: RunningGateway) -> None:
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as client:
        for what, token in bad_tokens(running_gateway.issuer).items():
            response = await client.get("/api/echo/orders", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, what
            assert response.headers["content-type"] == "application/problem+json", what
            assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"', what
            assert token not in response.text, what
        response = await client.get("/api/echo/orders", headers={"Authorization": "Bearer"})
        assert response.status_code == 401
    assert running_gateway.upstream.requests == []
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as client:
        # Other schemes are the service's business (e.g. a client's Basic credentials at a token endpoint).
        basic = await client.post("/api/echo/token", auth=("client", "secret"))
        assert basic.status_code == 200 and basic.json()["authorization"].startswith("Basic ")


async def test_valid_tokens_pass_with_the_gateway_or_the_services_audience(running_gateway: RunningGateway) -> None:
    tokens = running_gateway.issuer.tokens
    person = tokens.issue("p-1", audience=["gateway", "accounts"])
    merchant = tokens.issue("mk_1", audience="echo", roles=["merchant"], merchant_id="m-1")
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as client:
        for token in (person, merchant, person):  # the third is remembered: no second signature check
            response = await client.get("/api/echo/orders?x=1", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200
            assert response.json()["authorization"] == f"Bearer {token}"
        anonymous = await client.get("/api/echo/public")
        assert anonymous.status_code == 200 and anonymous.json()["authorization"] is None
    assert running_gateway.upstream.paths() == ["/orders", "/orders", "/orders", "/public"]


async def test_forwarded_for_is_the_peer_not_what_the_client_claims(running_gateway: RunningGateway) -> None:
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as client:
        response = await client.get("/api/echo/x", headers={"X-Forwarded-For": "10.9.9.9"})
    assert response.json()["x_forwarded_for"] == "127.0.0.1"


async def test_security_headers_and_request_id(running_gateway: RunningGateway) -> None:
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as client:
        for path in ("/api/echo/x", "/auth/session", "/api/unknown/x"):
            response = await client.get(path)
            csp = response.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "same-origin"
            assert "strict-transport-security" not in response.headers  # http here
            assert response.headers["x-request-id"]
        assert (await client.get("/api/unknown/x")).status_code == 404


@pytest.mark.gateway_settings(cors_origins=("https://shop.example",))
async def test_cors_only_for_configured_origins(running_gateway: RunningGateway) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as client:
        allowed = await client.options("/api/echo/x", headers={"Origin": "https://shop.example", **preflight})
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
        assert "authorization" in allowed.headers["access-control-allow-headers"]
        refused = await client.options("/api/echo/x", headers={"Origin": "https://evil.example", **preflight})
        assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
        simple = await client.get("/api/echo/x", headers={"Origin": "https://shop.example"})
        assert simple.headers["access-control-allow-origin"] == "https://shop.example"
        other = await client.get("/api/echo/x", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    assert running_gateway.upstream.paths() == ["/x", "/x"]  # preflights never reach the upstream


async def test_a_body_over_the_cap_is_refused_before_the_upstream(running_gateway: RunningGateway) -> None:
    big = b"x" * (11 * 1024 * 1024)
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=30) as client:
        response = await client.post("/api/echo/upload", content=big)
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert running_gateway.upstream.requests == []


async def test_a_hanging_upstream_is_504_within_its_timeout(running_gateway: RunningGateway) -> None:
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=30) as client:
        started = time.monotonic()
        response = await client.get("/api/echo/hang")
        elapsed = time.monotonic() - started
        assert response.status_code == 504 and response.json()["code"] == "UPSTREAM_TIMEOUT"
        assert elapsed < 10  # UPSTREAM_ECHO_READ_TIMEOUT is 1.5 s
        assert (await client.get("/livez")).status_code == 200


async def test_the_session_cookie_becomes_the_bearer_token_with_csrf_on_writes(
    running_gateway: RunningGateway,
) -> None:
    access = running_gateway.issuer.tokens.issue("p-7", audience=["gateway", "echo"])
    session_id, csrf = await store_session(running_gateway, access, sub="p-7")
    cookies = {"dorf_session": session_id, "other": "kept"}
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10, cookies=cookies) as client:
        read = await client.get("/api/echo/me")
        assert read.status_code == 200
        assert read.json()["authorization"] == f"Bearer {access}"
        assert read.json()["cookie"] == "other=kept"  # the session id never leaves the gateway
        refused = await client.post("/api/echo/me", json={})
        assert refused.status_code == 403 and refused.json()["code"] == "CSRF_TOKEN_MISSING"
        wrong = await client.post("/api/echo/me", json={}, headers={"X-CSRF-Token": "nope"})
        assert wrong.status_code == 403
        written = await client.post("/api/echo/me", json={}, headers={"X-CSRF-Token": csrf})
        assert written.status_code == 200 and written.json()["authorization"] == f"Bearer {access}"
        session = (await client.get("/auth/session")).json()
        assert session["signed_in"] and session["person_id"] == "p-7" and session["csrf_token"] == csrf
        assert "access_token" not in str(session) and access not in str(session)
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10,
                                 cookies={"dorf_session": "x" * 43}) as client:
        forged = await client.get("/api/echo/me")
        assert forged.json()["authorization"] is None  # an unknown session is just anonymous
    seen = [request for request in running_gateway.upstream.requests if request["method"] == "POST"]
    assert len(seen) == 1 and "x-csrf-token" not in seen[0]["headers"]


async def test_logout_needs_the_csrf_token_and_ends_the_session(running_gateway: RunningGateway) -> None:
    access = running_gateway.issuer.tokens.issue("p-8", audience=["gateway", "echo"])
    session_id, csrf = await store_session(running_gateway, access, sub="p-8", refresh_token=None)
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10,
                                 cookies={"dorf_session": session_id}) as client:
        assert (await client.post("/auth/logout")).status_code == 403
        assert (await client.get("/auth/session")).json()["signed_in"] is True
        done = await client.post("/auth/logout?next=/bye", data={"csrf_token": csrf})
        assert done.status_code == 303 and done.headers["location"] == "/bye"
        assert 'dorf_session=""' in done.headers["set-cookie"]
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10,
                                 cookies={"dorf_session": session_id}) as client:
        again = await client.get("/auth/session")
        assert again.json() == {"signed_in": False}


async def test_own_routes_need_a_caller_and_operators_only_see_upstream_health(
    running_gateway: RunningGateway,
) -> None:
    tokens = running_gateway.issuer.tokens
    operator = tokens.issue("op-1", audience="gateway", roles=["operator"])
    resident = tokens.issue("p-1", audience="gateway")
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as client:
        assert (await client.get("/api/gateway/upstreams")).status_code == 401
        forbidden = await client.get("/api/gateway/upstreams", headers={"Authorization": f"Bearer {resident}"})
        assert forbidden.status_code == 403
        health = await client.get("/api/gateway/upstreams", headers={"Authorization": f"Bearer {operator}"})
        assert health.status_code == 200
        [echo] = health.json()["upstreams"]
        assert echo["name"] == "echo" and echo["circuit"] == "closed" and "ready" in echo
        assert (await client.get("/api/me/feed")).status_code == 401
        assert (await client.get("/readyz")).json()["status"] == "ok"


async def test_docs_are_served_without_a_cdn(running_gateway: RunningGateway) -> None:
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as client:
        page = await client.get("/api/docs")
        assert page.status_code == 200
        assert "http" not in page.text.replace('charset="utf-8"', "")  # every asset from here
        assert "<script>" not in page.text  # no inline script
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-init.js"):
            assert (await client.get(f"/api/docs/{asset}")).status_code == 200
        document = (await client.get("/api/openapi.json")).json()
        assert "/api/me/feed" in document["paths"]
        # The echo upstream's catch-all FastAPI app has an OpenAPI document of its own: merged, prefixed.
        assert "/api/echo/{path}" in document["paths"]
        assert document["paths"]["/api/echo/{path}"]["get"]["tags"] == ["echo"]


async def test_internal_routes_are_never_reached_through_the_edge(running_gateway: RunningGateway) -> None:
    # Even with a token the service itself would accept (e.g. accounts' export token), the personal-data
    # export and every other /internal/ route stay inside the platform's network.
    token = running_gateway.issuer.tokens.issue("accounts", audience="echo", scopes=["personal-data-export"])
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as client:
        for path in ("/api/echo/internal/personal-data/p-1", "/api/echo//internal/x", "/api/echo/internal"):
            for headers in ({}, {"Authorization": f"Bearer {token}"}):
                response = await client.get(path, headers=headers)
                assert response.status_code == 404, path
                assert response.json()["code"] == "NOT_FOUND"
        assert (await client.get("/api/echo/internals")).status_code == 200  # only the segment itself
    assert running_gateway.upstream.paths() == ["/internals"]


async def test_metrics_are_not_public(running_gateway: RunningGateway) -> None:
    # Without a metrics port: the gateway's own /metrics is 404 on its (public) port, and so is every
    # service's /metrics through it (Prometheus scrapes each pod's own port inside the cluster).
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as client:
        for path in ("/metrics", "/metrics/", "/api/echo/metrics", "/api/echo//metrics", "/api/echo/metrics/x"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert response.json()["code"] == "NOT_FOUND"
        assert (await client.get("/livez")).status_code == 200
    assert running_gateway.upstream.paths() == []


@pytest.mark.gateway_settings(metrics_port=0)
async def test_the_metrics_port_serves_metrics_and_nothing_else(running_gateway: RunningGateway) -> None:
    metrics_port = running_gateway.settings.metrics_port
    assert metrics_port is not None
    async with httpx.AsyncClient(base_url=running_gateway.url, timeout=10) as public:
        assert (await public.get("/api/echo/anything")).status_code == 200  # counted in the metrics below
        assert (await public.get("/metrics")).status_code == 404
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{metrics_port}", timeout=10) as internal:
        scraped = await internal.get("/metrics")
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain")
        assert "http_requests_total" in scraped.text
        for path in ("/", "/livez", "/api/echo/anything", "/auth/login", "/alerts"):
            assert (await internal.get(path)).status_code == 404, path
    assert running_gateway.upstream.paths() == ["/anything"]
