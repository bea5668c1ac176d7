"""Idempotency keys through the sample service's POST /notes, with real concurrent requests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from sqlalchemy import func
from sqlmodel import select

from platformkit.db import Database
from sampleservice.models import Note

AuthHeaders = Callable[..., dict[str, str]]



async def count_notes(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.session() as session:
            return int((await session.exec(select(func.count()).select_from(Note))).one())
    finally:
        await db.dispose()


async def test_retry_replays_the_first_answer(
    client: httpx.AsyncClient, auth: AuthHeaders, database_url: str
) -> None:
    headers = {**auth(), "Idempotency-Key": "order-1"}
    first = await client.post("/notes", json={"text": "Brot"}, headers=headers)
    again = await client.post("/notes", json={"text": "Brot"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await count_notes(database_url) == 1


async def test_same_key_other_body_is_422(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    headers = {**auth(), "Idempotency-Key": "order-2"}
    assert (await client.post("/notes", json={"text": "Brot"}, headers=headers)).status_code == 201
    other = await client.post("/notes", json={"text": "Käse"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"


async def test_keys_are_scoped_per_caller(
    client: httpx.AsyncClient, auth: AuthHeaders, database_url: str
) -> None:
    for person in ("alice", "bob"):
        response = await client.post(
            "/notes", json={"text": "Milch"}, headers={**auth(person), "Idempotency-Key": "same"}
        )
        assert response.status_code == 201
        assert "idempotent-replayed" not in response.headers
    assert await count_notes(database_url) == 2


async def test_missing_key_is_400(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    response = await client.post("/notes", json={"text": "Eier"}, headers=auth())
    assert response.status_code == 400
    assert response.json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"


async def test_concurrent_duplicates_create_one_record(
    client: httpx.AsyncClient, auth: AuthHeaders, database_url: str
) -> None:
    headers = {**auth(), "Idempotency-Key": "burst"}
    answers = await asyncio.gather(
        *[client.post("/notes", json={"text": "Honig"}, headers=headers) for _ in range(8)]
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    created_ids = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created_ids) == 1
    assert all(a.json()["code"] == "IDEMPOTENCY_KEY_IN_PROGRESS" for a in answers if a.status_code == 409)
    assert await count_notes(database_url) == 1


async def test_a_failed_request_releases_its_key(
    client: httpx.AsyncClient, auth: AuthHeaders, database_url: str
) -> None:
    headers = {**auth(), "Idempotency-Key": "retry-me"}
    too_long = await client.post("/notes", json={"text": "x" * 501}, headers=headers)
    assert too_long.status_code == 422
    ok = await client.post("/notes", json={"text": "x"}, headers=headers)
    assert ok.status_code == 201


# --- the key written in the work's transaction (claim_with_work): one commit, the same promises ---------------

IN_ONE_COMMIT = "/notes/in-one-commit"


async def test_in_one_commit_a_retry_replays_the_first_answer(
    client: httpx.AsyncClient, auth: AuthHeaders, database_url: str
) -> None:
    headers = {**auth(), "Idempotency-Key": "one-1"}
    first = await client.post(IN_ONE_COMMIT, json={"text": "Brot"}, headers=headers)
    again = await client.post(IN_ONE_COMMIT, json={"text": "Brot"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    other = await client.post(IN_ONE_COMMIT, json={"text": "Käse"}, headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await count_notes(database_url) == 1


async def test_in_one_commit_concurrent_twins_create_one_record_and_give_one_answer(
    client: httpx.AsyncClient, auth: AuthHeaders, database_url: str
) -> None:
    headers = {**auth(), "Idempotency-Key": "one-burst"}
    answers = await asyncio.gather(
        *[client.post(IN_ONE_COMMIT, json={"text": "Honig"}, headers=headers) for _ in range(8)]
    )
    # Every twin passed the look-up; the key's primary key let one commit, the others replay its answer.
    assert [answer.status_code for answer in answers] == [201] * 8
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert await count_notes(database_url) == 1


async def test_in_one_commit_a_failed_request_leaves_no_key(
    client: httpx.AsyncClient, auth: AuthHeaders, database_url: str
) -> None:
    headers = {**auth(), "Idempotency-Key": "one-retry"}
    assert (await client.post(IN_ONE_COMMIT, json={"text": "x" * 501}, headers=headers)).status_code == 422
    assert (await client.post(IN_ONE_COMMIT, json={"text": "x"}, headers=headers)).status_code == 201
    assert await count_notes(database_url) == 1
