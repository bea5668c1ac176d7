"""Idempotency keys for creates that cost money or seats (draft-ietf-httpapi-idempotency-key-header).

A route that takes `IdempotencyDep` (and `SessionDep`, which is the same request session):
    replay = await idempotency.claim()          # first thing: commits the claim, or returns a stored answer
    if replay: return replay
    ... the work, in `session` ...
    await idempotency.complete(201, body)       # stored in the same transaction as the work
    await session.commit()

Same key + same request: the stored response, replayed. Same key + a different request: 422.
Same key while the first is still running: 409. Keys are scoped per caller and expire after a TTL.
A request that fails releases its claim, so the client may retry with the same key.

Work that has no effect outside its one transaction (no payment provider or mail before the commit) may
claim the key inside that transaction instead, one durable commit instead of two:
    replay = await idempotency.claim_with_work(read_session)   # looks the key up; writes nothing yet
    if replay: return replay
    ... prepare ...
    try:
        await idempotency.complete(201, body)   # inserts the key, already done, in the work's transaction
        ... the work, in `session` ...
        await session.commit()
    except KeyTaken:                            # a twin with the same key committed first
        return await idempotency.replay()
    return idempotency.stored_response()
Still exactly once: the key's primary key lets only one of two concurrent twins commit (on PostgreSQL the
second waits for the first's outcome; SQLite runs one writer at a time)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from platformkit.db import utcnow
from platformkit.deps import SessionDep
from platformkit.problems import ProblemError
from platformkit.tables import idempotency_key

HEADER = "Idempotency-Key"
KEY_TTL = timedelta(hours=24)
# A claim older than this whose request never finished (a crashed replica) may be taken over.
STALE_CLAIM = timedelta(seconds=60)
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


# The statements of the one-commit way (claim_with_work, complete), built once: they run on every such
# request (a checkout), and building them costs more Python than running them.
_KNOWN = select(idempotency_key.c.key).where(idempotency_key.c.scope == bindparam("scope"),
                                             idempotency_key.c.key == bindparam("key"))
_INSERT_DONE = {
    dialect.dialect.name: dialect.insert(idempotency_key)
    .on_conflict_do_nothing(index_elements=[idempotency_key.c.scope, idempotency_key.c.key])
    .returning(idempotency_key.c.key)
    for dialect in (postgresql, sqlite)
}


class KeyTaken(Exception):
    """A twin request with the same key committed first (see `Idempotency.claim_with_work`)."""


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


class Idempotency:
    """One request's use of one key, on the request's own session (one connection per request: a second
    connection would wait behind the first on SQLite's single writer)."""

    def __init__(self, session: AsyncSession, *, scope: str, key: str, request_hash: str) -> None:
        self.session = session
        self.scope = scope
        self.key = key
        self.request_hash = request_hash
        self.claimed = False
        self.stored = False
        # claim_with_work found the key unused: complete() inserts it in the work's transaction.
        self.deferred = False
        self.stored_body: str | None = None
        self.stored_status = 0

    def _row(self) -> Any:
        return and_(idempotency_key.c.scope == self.scope, idempotency_key.c.key == self.key)

    async def claim(self) -> JSONResponse | None:
        """Take the key for this request (committed at once, so a concurrent twin sees it), or return
        the stored response of the earlier identical request. Call it before anything else."""
        try:
            return await self._claim(utcnow())
        finally:
            # Commits the claim; ends the (read) transaction of a replay or a refusal.
            await self.session.commit()

    async def claim_with_work(self, reader: AsyncSession) -> JSONResponse | None:
        """claim() for work whose only effects are in its own transaction: an unused key is not written now
        but by complete(), in that transaction. A key already there takes claim()'s way (replay, 422, 409).
        `reader` looks the key up: a read session, since on SQLite the request's session would take the
        one writer for this read."""
        known = (await (await reader.connection()).execute(_KNOWN, {"scope": self.scope, "key": self.key})).first()
        if known is not None:
            return await self.claim()
        self.deferred = True
        return None

    async def replay(self) -> JSONResponse:
        """After complete() raised KeyTaken: roll the work back and answer what the twin stored (or 409
        while it still runs, or 422 when it was a different request)."""
        await self.session.rollback()
        self.deferred = False
        answer = await self.claim()
        if answer is None:  # the twin's key expired meanwhile: this request holds it now, but did no work
            raise self._in_progress()
        return answer

    async def _claim(self, now: datetime) -> JSONResponse | None:
        # Core statements on the platform table run on the session's connection, in its transaction.
        connection = await self.session.connection()
        existing = (await connection.execute(select(idempotency_key).where(self._row()))).one_or_none()
        if existing is None:
            try:
                async with connection.begin_nested():
                    await connection.execute(
                        insert(idempotency_key).values(
                            scope=self.scope, key=self.key, request_hash=self.request_hash,
                            state="in_progress", created_at=now, expires_at=now + KEY_TTL,
                        )
                    )
                self.claimed = True
                return None
            except IntegrityError:
                existing = (await connection.execute(select(idempotency_key).where(self._row()))).one()
        if existing.expires_at <= now or (
            existing.state == "in_progress" and existing.created_at <= now - STALE_CLAIM
        ):
            taken = await connection.execute(
                update(idempotency_key)
                .where(self._row(), or_(idempotency_key.c.expires_at <= now,
                                        and_(idempotency_key.c.state == "in_progress",
                                             idempotency_key.c.created_at <= now - STALE_CLAIM)))
                .values(request_hash=self.request_hash, state="in_progress", created_at=now,
                        expires_at=now + KEY_TTL, response_status=None, response_body=None)
            )
            if taken.rowcount == 1:
                self.claimed = True
                return None
            raise self._in_progress()
        if existing.request_hash != self.request_hash:
            raise ProblemError(
                422, "IDEMPOTENCY_KEY_REUSED",
                "This Idempotency-Key was already used for a different request.", field=f"header.{HEADER}",
            )
        if existing.state != "done":
            raise self._in_progress()
        return JSONResponse(
            json.loads(existing.response_body), status_code=existing.response_status,
            headers={"Idempotent-Replayed": "true"},
        )

    def _in_progress(self) -> ProblemError:
        return ProblemError(
            409, "IDEMPOTENCY_KEY_IN_PROGRESS",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            field=f"header.{HEADER}", headers={"Retry-After": "1"},
        )

    async def complete(self, status: int, body: BaseModel | Any) -> None:
        """Store the response in the request's transaction, so it commits together with the work. After
        claim_with_work, this inserts the key (call it first in the work's transaction, so that a twin
        waits here before it writes anything); raises KeyTaken when a twin committed the key first."""
        encoded = (body.model_dump_json(by_alias=True) if isinstance(body, BaseModel)
                   else json.dumps(jsonable_encoder(body), separators=(",", ":")))
        connection = await self.session.connection()
        if self.deferred:
            now = utcnow()
            inserted = (await connection.execute(_INSERT_DONE[connection.dialect.name], {
                "scope": self.scope, "key": self.key, "request_hash": self.request_hash, "state": "done",
                "response_status": status, "response_body": encoded, "created_at": now, "expires_at": now + KEY_TTL,
            })).first()
            if inserted is None:
                raise KeyTaken()
        else:
            await connection.execute(
                update(idempotency_key).where(self._row())
                .values(state="done", response_status=status, response_body=encoded)
            )
        self.stored = True
        self.stored_body = encoded
        self.stored_status = status

    def stored_response(self) -> Response:
        """The response complete() stored, sent as stored (not validated and encoded a second time)."""
        assert self.stored_body is not None, "complete() first"
        return Response(self.stored_body, status_code=self.stored_status, media_type="application/json")

    async def release(self) -> None:
        """The request failed: drop its work and its claim, so a retry with the same key may run."""
        await self.session.rollback()
        await (await self.session.connection()).execute(
            delete(idempotency_key).where(self._row(), idempotency_key.c.state == "in_progress")
        )
        await self.session.commit()


def _scope_of(request: Request, service: str) -> str:
    principal = getattr(request.state, "principal", None)
    caller = principal.sub if principal is not None else "anonymous"
    return f"{service}:{caller}"


async def _idempotency(request: Request, session: SessionDep) -> AsyncIterator[Idempotency]:
    key = request.headers.get(HEADER)
    if key is None:
        raise ProblemError(
            400, "IDEMPOTENCY_KEY_REQUIRED", f"This request needs an {HEADER} header (a unique value per "
            "intended operation, reused on retries).", field=f"header.{HEADER}",
        )
    if not _VALID_KEY.match(key):
        raise ProblemError(
            400, "IDEMPOTENCY_KEY_INVALID", "The Idempotency-Key must be 1 to 255 visible ASCII characters.",
            field=f"header.{HEADER}",
        )
    body = await request.body()
    slot = Idempotency(
        session,
        scope=_scope_of(request, request.app.state.spec.name),
        key=key,
        request_hash=request_fingerprint(request.method, request.url.path, body),
    )
    try:
        yield slot
    except BaseException:
        if slot.claimed:
            await slot.release()
        raise
    if slot.claimed and not slot.stored:  # the route answered without storing its response
        await slot.release()


IdempotencyDep = Annotated[Idempotency, Depends(_idempotency)]
