"""`/ops/...`: the event plumbing of one service for the district's operators (role `operator` with staff
scope `admin`): outbox lag, relay and consumer counters, dead letters, and replaying or discarding a dead
letter. `create_app` adds this router to every service with an event runtime; the gateway gathers
`/ops/events` from every service and the admin dashboard shows it.

Who replayed or discarded a dead letter is stored with it (`resolved_by`, the operator's subject) and
logged."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from platformkit.auth import Principal, require_roles, require_scopes
from platformkit.events import EventRuntime
from platformkit.events.deadletters import (
    DeadLetter,
    DeadLetterNotOpen,
    ReplayFailed,
    UnknownConsumer,
    get_dead_letter,
)
from platformkit.events.stats import EventStats
from platformkit.outbound import outbound_lag
from platformkit.pagination import Page, PageDep, decode_cursor, encode_cursor
from platformkit.problems import ProblemError

log = logging.getLogger("platformkit.ops")

OPERATOR_ROLE = "operator"
ADMIN_SCOPE = "admin"

ops_router = APIRouter(
    prefix="/ops",
    tags=["ops"],
    include_in_schema=True,
    dependencies=[Depends(require_roles(OPERATOR_ROLE)), Depends(require_scopes(ADMIN_SCOPE))],
)
# The same dependency again for the handlers that need to know who acts (FastAPI caches it per request).
OperatorDep = Annotated[Principal, Depends(require_scopes(ADMIN_SCOPE))]


class DeadLetterOut(BaseModel):
    id: int
    consumer: str
    event_id: str | None
    subject: str
    event_type: str | None
    data: str
    error: str
    deliveries: int
    stream_sequence: int | None
    created_at: datetime
    resolution: str | None
    resolved_by: str | None
    resolved_at: datetime | None

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterOut:
        return cls(
            id=letter.id, consumer=letter.consumer, event_id=letter.event_id, subject=letter.subject,
            event_type=letter.headers.get("ce-type"), data=letter.data,
            error=letter.error, deliveries=letter.deliveries, stream_sequence=letter.stream_sequence,
            created_at=letter.created_at, resolution=letter.resolution, resolved_by=letter.resolved_by,
            resolved_at=letter.resolved_at,
        )


class ReplayOut(BaseModel):
    id: int
    outcome: Literal["handled", "already_handled"]
    resolution: Literal["replayed"] = "replayed"
    resolved_by: str


def _runtime(request: Request) -> EventRuntime:
    events: EventRuntime | None = getattr(request.app.state, "events", None)
    if events is None:
        raise ProblemError(503, "EVENTS_UNAVAILABLE", "This service runs no event runtime right now.")
    return events


def _actor(principal: Principal) -> str:
    # Staff acting on behalf of someone else are recorded as themselves.
    return principal.actor or principal.sub


async def _not_open(events: EventRuntime, dead_letter_id: int) -> ProblemError:
    letter = await get_dead_letter(events.db, dead_letter_id)
    if letter is None:
        return ProblemError(404, "DEAD_LETTER_NOT_FOUND", f"There is no dead letter {dead_letter_id}.")
    return ProblemError(
        409, "DEAD_LETTER_RESOLVED",
        f"Dead letter {dead_letter_id} was already {letter.resolution} by {letter.resolved_by}.",
        extra={"resolution": letter.resolution, "resolved_by": letter.resolved_by},
    )


@ops_router.get("/events", response_model=EventStats)
async def event_stats(request: Request) -> EventStats:
    """Outbox lag, relay counters, consumer lag and open dead letters per consumer of this service; and
    its outgoing messages (waiting, retrying, held, failed) when it runs the outbound sender."""
    stats = await _runtime(request).stats()
    sender = getattr(request.app.state, "outbound", None)
    if sender is not None:
        stats.outbound = await outbound_lag(sender.db)
    return stats


@ops_router.get("/dead-letters", response_model=Page[DeadLetterOut])
async def dead_letters(
    request: Request,
    page: PageDep,
    consumer: Annotated[str | None, Query(max_length=200)] = None,
    include_resolved: bool = False,
) -> Page[DeadLetterOut]:
    """Dead letters, oldest first; open ones only unless `include_resolved`."""
    after_id = 0
    if page.cursor:
        [after_id] = decode_cursor(page.cursor, 1)
        if not isinstance(after_id, int):
            raise ProblemError(400, "INVALID_CURSOR", "The cursor is not one this list handed out.",
                               field="query.cursor")
    letters = await _runtime(request).list_dead_letters(
        consumer=consumer or None, include_resolved=include_resolved, limit=page.limit + 1, after_id=after_id
    )
    shown = letters[: page.limit]
    more = len(letters) > page.limit
    return Page(items=[DeadLetterOut.of(letter) for letter in shown],
                next_cursor=encode_cursor([shown[-1].id]) if more else None)


@ops_router.post("/dead-letters/{dead_letter_id}/replay", response_model=ReplayOut)
async def replay(request: Request, dead_letter_id: int, operator: OperatorDep) -> ReplayOut:
    """Run the dead letter through its consumer's handler again (once; the inbox still guards)."""
    events = _runtime(request)
    by = _actor(operator)
    try:
        outcome = await events.replay_dead_letter(dead_letter_id, by=by)
    except DeadLetterNotOpen:
        raise await _not_open(events, dead_letter_id) from None
    except UnknownConsumer as error:
        raise ProblemError(409, "UNKNOWN_CONSUMER", str(error)) from None
    except ReplayFailed as error:
        log.warning("dead letter %s of %s: replay by %s failed: %s", dead_letter_id, events.service, by, error)
        raise ProblemError(422, "REPLAY_FAILED", f"The handler failed again: {error}") from None
    log.info("dead letter %s of %s replayed by %s (%s)", dead_letter_id, events.service, by, outcome,
             extra={"dead_letter_id": dead_letter_id, "resolved_by": by, "resolution": "replayed"})
    return ReplayOut(id=dead_letter_id, outcome=outcome, resolved_by=by)


@ops_router.post("/dead-letters/{dead_letter_id}/discard", response_model=DeadLetterOut)
async def discard(request: Request, dead_letter_id: int, operator: OperatorDep) -> DeadLetterOut:
    """Close the dead letter without handling it."""
    events = _runtime(request)
    by = _actor(operator)
    try:
        letter = await events.discard_dead_letter(dead_letter_id, by=by)
    except DeadLetterNotOpen:
        raise await _not_open(events, dead_letter_id) from None
    log.info("dead letter %s of %s discarded by %s", dead_letter_id, events.service, by,
             extra={"dead_letter_id": dead_letter_id, "resolved_by": by, "resolution": "discarded"})
    return DeadLetterOut.of(letter)
