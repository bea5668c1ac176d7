"""accounts' time-driven steps (platformkit.scheduler: one replica runs each, steps are idempotent):

* `gather-data-exports` (every 5 s): pending data downloads get accounts' own part and every personal-data
  service's part (`GET /internal/personal-data/{person_id}` with accounts' service token); a service that
  does not answer is asked again later, and after a few tries the download is finished without it (its
  part says why).
* `tidy` (every 10 min): expired codes, tokens, throttle counters and downloads are dropped."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI

from accounts.config import AccountsSettings
from accounts.crud import exports, throttle, tokens
from accounts.personal_data import SERVICE, export
from platformkit.db import Database, utcnow
from platformkit.personal_data import EXPORT_PATH, EXPORT_SCOPE
from platformkit.scheduler import Schedule, StepRun
from platformkit.service_tokens import ServiceTokens, ServiceTokenUnavailable, service_url

log = logging.getLogger("accounts.schedules")

EXPORT_LEASE = timedelta(minutes=2)
EXPORT_RETRY = timedelta(seconds=30)
EXPORT_ATTEMPTS = 4


async def service_part(app: FastAPI, service: str, person_id: UUID) -> tuple[dict[str, Any] | None, str]:
    """One service's export of the person: (data, "ok") or (None, why not)."""
    base = service_url(service)
    tokens_: ServiceTokens | None = app.state.service_tokens
    if base is None:
        return None, f"no address for {service} (UPSTREAM_{service.upper()}_URL)"
    if tokens_ is None:
        return None, "accounts has no service client secret (SERVICE_CLIENT_SECRET)"
    http: httpx.AsyncClient = app.state.http
    try:
        response = await http.get(
            base + EXPORT_PATH.format(person_id=person_id), auth=tokens_.auth(service, EXPORT_SCOPE), timeout=30.0
        )
    except (httpx.HTTPError, ServiceTokenUnavailable) as error:
        return None, f"{type(error).__name__}: {error}"
    if response.status_code != 200:
        return None, f"HTTP {response.status_code}"
    body = response.json()
    return (body.get("data", {}) if isinstance(body, dict) else {}), "ok"


async def gather_export(app: FastAPI, db: Database, job_id: UUID, person_id: UUID, attempt: int) -> None:
    settings: AccountsSettings = app.state.settings
    async with db.read_sessions() as session:
        services: dict[str, Any] = {SERVICE: await export(session, person_id)}
    parts: dict[str, Any] = {SERVICE: "ok"}
    for name in settings.personal_data_services:
        data, outcome = await service_part(app, name, person_id)
        parts[name] = outcome
        if data is not None:
            services[name] = data
    async with db.transaction() as session:
        if any(outcome != "ok" for outcome in parts.values()) and attempt < EXPORT_ATTEMPTS:
            log.warning("data export %s incomplete (attempt %d): %s", job_id, attempt, parts)
            await exports.retry_later(session=session, job_id=job_id, parts=parts, at=utcnow() + EXPORT_RETRY)
            return
        content = json.dumps(
            {"person_id": str(person_id), "gathered_at": utcnow().isoformat(), "parts": parts, "services": services},
            ensure_ascii=False, indent=2,
        )
        await exports.finish(
            session=session, job_id=job_id, content=content, parts=parts,
            keep=timedelta(seconds=settings.export_retention_seconds),
        )


async def gather_data_exports(run: StepRun) -> None:
    assert run.app is not None
    async with run.db.transaction() as session:
        due = await exports.claim_due(session=session, now=utcnow(), lease=EXPORT_LEASE)
    for job_id, person_id, attempt in due:
        await gather_export(run.app, run.db, job_id, person_id, attempt)


async def tidy(run: StepRun) -> None:
    now = run.clock.now()
    async with run.db.transaction() as session:
        await tokens.prune_expired(session=session, now=now)
        await throttle.prune(session=session, older_than=now - timedelta(days=1))
        await exports.prune_expired(session=session, now=now)


schedules = [
    Schedule("gather-data-exports", every=timedelta(seconds=5), step=gather_data_exports),
    Schedule("tidy", every=timedelta(minutes=10), step=tidy),
]
