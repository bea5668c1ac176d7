"""Cursor pagination through the sample service's GET /notes."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from platformkit.pagination import decode_cursor, encode_cursor

AuthHeaders = Callable[..., dict[str, str]]



async def test_walks_every_row_once(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    for n in range(7):
        await client.post(
            "/notes", json={"text": f"n{n}"}, headers={**auth(), "Idempotency-Key": f"k{n}"}
        )
    await client.post("/notes", json={"text": "other"}, headers={**auth("bob"), "Idempotency-Key": "b"})
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/notes", params=params, headers=auth())).json()
        seen += [item["text"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"n{n}" for n in range(7)]
    assert pages == 3


async def test_tampered_cursor_is_400_with_the_field(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    for bad in ("!!!", encode_cursor([1, 2]), "eyJ"):
        response = await client.get("/notes", params={"cursor": bad}, headers=auth())
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["field"] == "query.cursor"


async def test_limit_out_of_range_is_422(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    response = await client.get("/notes", params={"limit": "100000"}, headers=auth())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.limit"


def test_cursor_round_trip_keeps_times() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert decode_cursor(encode_cursor([moment, 5]), 2) == [moment, 5]


def test_uuid_keys_come_back_from_the_cursor_as_uuids() -> None:
    import uuid

    from sqlalchemy import Column, Uuid

    from platformkit.pagination import after

    key = uuid.uuid4()
    column = Column("id", Uuid())
    (value,) = after([column], decode_cursor(encode_cursor([key]), 1)).compile().params.values()
    assert value == key and isinstance(value, uuid.UUID)
