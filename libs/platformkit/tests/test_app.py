"""The app factory through a real service (the sample service), on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from platformkit.migrations import upgrade
from sampleservice.main import SampleSettings, service

AuthHeaders = Callable[..., dict[str, str]]


async def test_livez_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/livez")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/livez", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    hostile = await client.get("/livez", headers={"X-Request-ID": "x" * 500})
    made = hostile.headers["x-request-id"]
    assert made != "x" * 500 and len(made) == 32


async def test_unknown_route_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "NOT_FOUND"


async def test_validation_error_names_the_field(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    headers = {**auth(), "Idempotency-Key": "k1"}
    response = await client.post("/notes", json={"text": "", "extra": 1}, headers=headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED"
    fields = {error["field"]: error["code"] for error in body["errors"]}
    assert fields == {"body.text": "string_too_short", "body.extra": "extra_forbidden"}


async def test_broken_json_is_422_not_500(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    headers = {**auth(), "Idempotency-Key": "k1", "Content-Type": "application/json"}
    response = await client.post("/notes", content=b'{"text": ', headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "json_invalid"


async def test_body_over_the_cap_is_413(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    headers = {**auth(), "Idempotency-Key": "k1"}
    declared = await client.post("/notes", content=b"x" * (2 * 1024 * 1024), headers=headers)
    assert declared.status_code == 413
    assert declared.json()["code"] == "PAYLOAD_TOO_LARGE"

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"y" * 65536

    streamed = await client.post("/notes", content=chunks(), headers=headers)
    assert streamed.status_code == 413


async def test_other_owners_record_is_404_like_a_missing_one(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    created = await client.post(
        "/notes", json={"text": "mine"}, headers={**auth("alice"), "Idempotency-Key": "a"}
    )
    assert created.status_code == 201
    note_id = created.json()["id"]
    assert (await client.get(f"/notes/{note_id}", headers=auth("alice"))).status_code == 200
    foreign = await client.get(f"/notes/{note_id}", headers=auth("mallory"))
    missing = await client.get("/notes/999999", headers=auth("mallory"))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"] == missing.json()["detail"]


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    await client.get("/notes/1", headers=auth())
    text = (await client.get("/metrics")).text
    assert 'http_requests_total{method="GET",route="/notes/{note_id}",status="404"} 1.0' in text


async def test_access_log_is_json_with_request_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    from platformkit.logs import JsonFormatter

    caplog.set_level(logging.INFO, logger="platformkit.access")
    rid = uuid.uuid4().hex
    await client.get("/livez", headers={"X-Request-ID": rid})
    record = next(r for r in caplog.records if r.name == "platformkit.access")
    line = json.loads(JsonFormatter("sample").format(record))
    assert line["path"] == "/livez" and line["status"] == 200 and line["service"] == "sample"


def test_missing_setting_stops_start_up_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    with pytest.raises(SystemExit) as stopped:
        service.create_app()
    assert "DATABASE_URL is not set" in str(stopped.value)
    assert "OIDC_ISSUER is not set" in str(stopped.value)


async def test_what_start_up_built_is_frozen_while_the_app_runs(database_url: str, oidc_issuer: Any) -> None:
    upgrade(service, database_url)
    app = service.create_app(SampleSettings(database_url=database_url, oidc_issuer=oidc_issuer.issuer,
                                            oidc_audience="sample"))
    gc.unfreeze()
    built_before = [object()]  # a container the collector tracks
    assert gc.get_freeze_count() == 0
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 0
        # Frozen objects are in no generation: a full collection no longer scans them.
        assert not any(item is built_before for item in gc.get_objects())
    assert gc.get_freeze_count() == 0
    assert any(item is built_before for item in gc.get_objects())
