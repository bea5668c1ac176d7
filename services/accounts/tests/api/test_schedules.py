"""accounts' time-driven steps run on platformkit's scheduler inside the app (a ManualClock stands in for
time): `tidy` drops what has expired and keeps what is alive; `gather-data-exports` finishes a pending
download (no other personal-data services configured: accounts' part alone)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from accounts_testkit import make_settings
from sqlmodel import select

from accounts.crud import exports, tokens
from accounts.main import service
from accounts.models import DataExport, LoginThrottle, OneTimeToken, Person
from platformkit.db import Database, utcnow
from platformkit.migrations import upgrade
from platformkit.scheduler import ManualClock, Scheduler
from platformkit.tables import scheduler_lease


async def test_tidy_and_gathering_run_on_the_scheduler(database_url: str) -> None:
    upgrade(service, database_url)
    db = Database(database_url)
    now = utcnow()
    try:
        async with db.transaction() as session:
            person = Person(name="Erika Schulze")
            session.add(person)
            await session.flush()
            await tokens.issue_one_time(session=session, person_id=person.id, purpose=tokens.RESET_PASSWORD,
                                        ttl=timedelta(days=-2))  # long expired
            await tokens.issue_one_time(session=session, person_id=person.id, purpose=tokens.VERIFY_EMAIL,
                                               ttl=timedelta(hours=1))
            session.add(
                LoginThrottle(key="address:192.0.2.1", failures=3, window_started_at=now - timedelta(days=3),
                              updated_at=now - timedelta(days=2))
            )
            session.add(
                DataExport(person_id=person.id, status="ready", content="{}", expires_at=now - timedelta(hours=1))
            )
            await session.flush()
            job = await exports.request(session=session, person_id=person.id)

        app = service.create_app(make_settings(database_url))
        app.state.clock = ManualClock(now)
        async with app.router.lifespan_context(app):
            assert isinstance(app.state.scheduler, Scheduler)
            async with asyncio.timeout(30):
                while True:
                    async with db.session() as session:
                        left = (await session.exec(select(OneTimeToken.purpose))).all()
                        throttles = (await session.exec(select(LoginThrottle))).all()
                        jobs = (await session.exec(select(DataExport))).all()
                        rows = await (await session.connection()).execute(
                            select(scheduler_lease.c.name, scheduler_lease.c.last_run_at)
                        )
                        ran = {row.name for row in rows if row.last_run_at is not None}
                    # the live token stays; the expired one, the old counter and the old download go
                    done = left == ["verify_email"] and not throttles and [j.status for j in jobs] == ["ready"]
                    if done and ran == {"tidy", "gather-data-exports"}:  # both through the scheduler's leases
                        break
                    await asyncio.sleep(0.1)
        [ready] = jobs
        assert ready.id == job.id and ready.parts == {"accounts": "ok"}
        content = json.loads(ready.content or "")
        assert content["services"]["accounts"]["person"]["name"] == "Erika Schulze"
    finally:
        await db.dispose()
