"""Settings from the environment, and the merged OpenAPI document's shape."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gateway.config import GatewaySettings
from gateway.openapi import merge
from gateway.signin import safe_next

BASE = {"public_url": "http://127.0.0.1:8000", "oidc_issuer": "http://127.0.0.1:8000/api/accounts",
        "environment": "test"}


def test_upstreams_come_from_upstream_name_url_variables() -> None:
    settings = GatewaySettings(**BASE, upstream_read_timeout=7.0)  # type: ignore[arg-type]
    upstreams = settings.upstreams({
        "UPSTREAM_ACCOUNTS_URL": "http://127.0.0.1:8001/",
        "UPSTREAM_MARKETPLACE_URL": "http://127.0.0.1:8002",
        "UPSTREAM_MARKETPLACE_READ_TIMEOUT": "2.5",
        "UPSTREAM_CONNECT_TIMEOUT": "3",  # a setting, not an upstream
        "UPSTREAM_EMPTY_URL": "",
    })
    assert sorted(upstreams) == ["accounts", "marketplace"]
    assert upstreams["accounts"].base_url == "http://127.0.0.1:8001"
    assert upstreams["accounts"].read_timeout == 7.0
    assert upstreams["marketplace"].read_timeout == 2.5
    # Server-side OIDC calls go to accounts' internal address when the issuer is accounts behind us.
    assert settings.token_url(upstreams) == "http://127.0.0.1:8001/token"
    assert settings.authorization_url() == "http://127.0.0.1:8000/api/accounts/authorize"
    with pytest.raises(ValueError, match="belongs to the gateway"):
        settings.upstreams({"UPSTREAM_ME_URL": "http://127.0.0.1:1"})


def test_production_needs_a_client_secret_and_https_hardens_cookies() -> None:
    with pytest.raises(ValidationError, match="OIDC_CLIENT_SECRET"):
        GatewaySettings(**{**BASE, "environment": "production"})  # type: ignore[arg-type]
    secure = GatewaySettings(**{**BASE, "environment": "production", "public_url": "https://dorf.example",
                                "oidc_client_secret": "s3cret"})  # type: ignore[arg-type]
    assert secure.https and secure.cookie_name == "__Host-dorf_session"
    assert secure.redirect_uri == "https://dorf.example/auth/callback"
    with pytest.raises(ValidationError):
        GatewaySettings(**{**BASE, "public_url": "https://dorf.example/app"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        GatewaySettings(**{**BASE, "cors_origins": "*"})  # type: ignore[arg-type]


@pytest.mark.parametrize(("wanted", "safe"), [
    ("/account?tab=1", "/account?tab=1"), (None, "/"), ("https://evil.example/", "/"), ("//evil.example", "/"),
    ("/\\evil.example", "/"), ("/auth/logout", "/"), ("/x\r\nSet-Cookie: a=b", "/"), ("account", "/"),
])
def test_next_is_a_path_on_this_site(wanted: str | None, safe: str) -> None:
    assert safe_next(wanted) == safe


def _service_document(title: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1"},
        "paths": {"/me": {"get": {"operationId": "me-get", "tags": ["me"], "security": [{"HTTPBearer": []}],
                                  "responses": {"422": {"content": {"application/json": {"schema": {
                                      "$ref": "#/components/schemas/HTTPValidationError"}}}}}}}},
        "components": {"schemas": {"HTTPValidationError": {"type": "object", "properties": {"detail": {
            "items": {"$ref": "#/components/schemas/ValidationError"}}}}, "ValidationError": {"type": "object"}},
            "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}}},
    }


def test_merged_openapi_prefixes_paths_and_keeps_services_apart() -> None:
    own = {"info": {"version": "0.1.0"}, "paths": {"/api/me/feed": {"get": {"operationId": "feed"}}}}
    merged = merge({"accounts": _service_document("accounts"), "mobility": _service_document("mobility")}, own,
                   unavailable=["alerts"])
    assert set(merged["paths"]) == {"/api/me/feed", "/api/accounts/me", "/api/mobility/me"}
    operation = merged["paths"]["/api/accounts/me"]["get"]
    assert operation["tags"] == ["accounts"] and operation["operationId"] == "accounts-me-get"
    assert operation["security"] == [{"accounts__HTTPBearer": []}]
    schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/accounts__HTTPValidationError"}
    schemas = merged["components"]["schemas"]
    assert {"accounts__HTTPValidationError", "mobility__HTTPValidationError"} <= set(schemas)
    inner = schemas["mobility__HTTPValidationError"]["properties"]["detail"]["items"]
    assert inner == {"$ref": "#/components/schemas/mobility__ValidationError"}
    assert merged["x-unavailable"] == ["alerts"]
    assert [tag["name"] for tag in merged["tags"]] == ["gateway", "accounts", "mobility"]
