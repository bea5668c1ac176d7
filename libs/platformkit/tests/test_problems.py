"""Errors leave as problem+json; temporary database trouble is a 503 to retry, never a 500."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from platformkit.problems import ProblemError, install_problem_handlers


def app_raising(error: Exception) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise error

    return app


async def call(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/boom")


async def test_locked_sqlite_is_503_with_retry_after() -> None:
    response = await call(app_raising(OperationalError("UPDATE x", {}, Exception("database is locked"))))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert response.json()["code"] == "DATABASE_UNAVAILABLE"


async def test_problem_error_carries_code_field_and_headers() -> None:
    error = ProblemError(409, "SEAT_TAKEN", "Someone was faster.", field="body.seat", headers={"X-Hint": "1"})
    response = await call(app_raising(error))
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-hint"] == "1"
    body = response.json()
    assert (body["code"], body["detail"]) == ("SEAT_TAKEN", "Someone was faster.")
    assert body["errors"][0]["field"] == "body.seat"


async def test_unexpected_error_is_500_without_a_trace() -> None:
    response = await call(app_raising(RuntimeError("secret internals at 0xdeadbeef")))
    assert response.status_code == 500
    assert response.json()["code"] == "INTERNAL_ERROR"
    assert "deadbeef" not in response.text and "Traceback" not in response.text
