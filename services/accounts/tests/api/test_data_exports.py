"""Data download jobs under concurrency (real parallel connections on SQLite and PostgreSQL): requests
racing for one person make one job; gathering runs racing for the pending jobs each take different ones."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from accounts_testkit import Accounts, bearer
from sqlmodel import col, select

from accounts.crud import exports
from accounts.models import DataExport, Person
from platformkit.db import utcnow


async def test_racing_requests_make_one_job(accounts: Accounts) -> None:
    await accounts.registered("karl@schwedt.example", name="Karl Wagner")
    token = (await accounts.tokens_for("karl@schwedt.example"))["access_token"]
    answers = await asyncio.gather(*(accounts.http.post("/me/exports", headers=bearer(token)) for _ in range(12)))
    assert {answer.status_code for answer in answers} == {202}
    assert len({answer.json()["id"] for answer in answers}) == 1
    async with accounts.db.session() as session:
        assert len((await session.exec(select(DataExport))).all()) == 1
    unknown = await accounts.http.get(f"/me/exports/{uuid.uuid4()}", headers=bearer(token))
    assert unknown.status_code == 404 and unknown.json()["code"] == "EXPORT_NOT_FOUND"


async def test_racing_gathering_runs_take_different_jobs(accounts: Accounts) -> None:
    async with accounts.db.transaction() as session:
        people = [Person(name=f"Person {n}") for n in range(8)]
        session.add_all(people)
        await session.flush()
        for person in people:
            await exports.request(session=session, person_id=person.id)

    async def claim() -> list[uuid.UUID]:
        async with accounts.db.transaction() as session:
            taken = await exports.claim_due(session=session, now=utcnow(), lease=timedelta(minutes=2), limit=3)
        return [job_id for job_id, _, _ in taken]

    runs = await asyncio.gather(*(claim() for _ in range(4)))
    taken = [job for run in runs for job in run]
    assert len(taken) == len(set(taken)) == 8  # every job once, none twice
    assert await claim() == []  # all are held now
    async with accounts.db.session() as session:
        attempts = (await session.exec(select(DataExport.attempts).where(col(DataExport.status) == "pending"))).all()
    assert sorted(attempts) == [1] * 8
