"""The district's statistics (GET /admin/statistics): hours, helpers and villages over a period of local days.

Each kind of contribution is one grouped statement over its own rows (completed sign-ups, ongoing
commitments, pledges, help requests), grouped by village in the database, never a statement per village;
the helpers are one statement over the union of (person, village, kind) of the same rows, counted four
ways. Nothing reads the volunteer profiles. Erased people's rows have no person id: their minutes, shifts
and commitments still count, they are no longer anybody (COUNT DISTINCT skips NULL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, literal, null, or_, true, union_all
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from volunteers.crud.villages import name
from volunteers.domain.commitments import Kind
from volunteers.domain.organisations import QUEUE_STATES
from volunteers.domain.signups import SignupState
from volunteers.models import Commitment, HelpRequest, Opportunity, Organisation, Shift, Signup
from volunteers.schemas import HelpRequestStats, VillageStat

S = SignupState
HELP_STATES = ("open", "offered", "matched", "done", "cancelled")
PLEDGED_STATES = (S.CONFIRMED.value, S.COMPLETED.value)


@dataclass(frozen=True)
class Period:
    """The instants [start, end) of the chosen local days; None: open on that side."""

    start: datetime | None = None
    end: datetime | None = None

    def holds(self, column: Any) -> list[Any]:
        return [condition for condition in (
            column >= self.start if self.start is not None else None,
            column < self.end if self.end is not None else None) if condition is not None]

    def began_before_end(self, column: Any) -> Any:
        return column < self.end if self.end is not None else true()

    def lasted_into(self, column: Any) -> Any:
        return column >= self.start if self.start is not None else true()


@dataclass
class Statistics:
    organisations_verified: int = 0
    organisations_waiting: int = 0
    helpers: int = 0
    completed_shifts: int = 0
    minutes: int = 0
    shift_helpers: int = 0
    ongoing_commitments: int = 0
    ongoing_people: int = 0
    pledges: int = 0
    pledges_handed_over: int = 0
    donors: int = 0
    help_requests: HelpRequestStats = field(default_factory=HelpRequestStats)
    open_help_requests: int = 0
    help_helpers: int = 0
    villages: list[VillageStat] = field(default_factory=list)


def _shift_work(period: Period) -> Any:
    """Completed sign-ups of shifts that started in the period (hours belong to the day of the shift)."""
    return (select(col(Signup.person_id).label("person_id"), col(Opportunity.village_id).label("village_id"),
                   col(Signup.minutes_credited).label("minutes"))
            .select_from(Signup).join(Shift, col(Shift.id) == col(Signup.shift_id))
            .join(Opportunity, col(Opportunity.id) == col(Shift.opportunity_id))
            .where(col(Signup.state) == S.COMPLETED.value, *period.holds(col(Shift.start_at))))


def _ongoing(period: Period) -> Any:
    """Ongoing commitments running in the period: confirmed (since `state_changed_at`) before its end, or
    completed (it came to its end then) after its start and begun before its end. Ones withdrawn or ended
    by the organisation are left out: the row does not say whether they had been confirmed."""
    confirmed = and_(col(Commitment.state) == S.CONFIRMED.value,
                     period.began_before_end(col(Commitment.state_changed_at)))
    completed = and_(col(Commitment.state) == S.COMPLETED.value,
                     period.began_before_end(col(Commitment.requested_at)),
                     period.lasted_into(col(Commitment.state_changed_at)))
    return (select(col(Commitment.person_id).label("person_id"), col(Opportunity.village_id).label("village_id"))
            .select_from(Commitment).join(Opportunity, col(Opportunity.id) == col(Commitment.opportunity_id))
            .where(col(Opportunity.kind) == Kind.ONGOING.value, or_(confirmed, completed)))


def _pledges(period: Period) -> Any:
    """Pledges to material donations made in the period that the organisation took (or got)."""
    return (select(col(Commitment.person_id).label("person_id"), col(Opportunity.village_id).label("village_id"),
                   col(Commitment.state).label("state"))
            .select_from(Commitment).join(Opportunity, col(Opportunity.id) == col(Commitment.opportunity_id))
            .where(col(Opportunity.kind) == Kind.MATERIAL.value, col(Commitment.state).in_(PLEDGED_STATES),
                   *period.holds(col(Commitment.requested_at))))


def _help_given(period: Period) -> Any:
    """Helpers whom a requester (or staff) confirmed, for requests asked in the period."""
    return (select(col(HelpRequest.helper_id).label("person_id"), col(HelpRequest.village_id).label("village_id"))
            .where(col(HelpRequest.matched_at).is_not(None), *period.holds(col(HelpRequest.created_at))))


async def _rows(session: AsyncSession, statement: Any) -> list[Any]:
    return list((await session.exec(statement)).all())


async def collect(session: AsyncSession, period: Period) -> Statistics:
    stats = Statistics()
    villages: dict[str, VillageStat] = {}

    def village(village_id: str | None) -> VillageStat | None:
        if not village_id:
            return None
        if village_id not in villages:
            villages[village_id] = VillageStat(village_id=village_id, village=name(village_id), helpers=0, minutes=0)
        return villages[village_id]

    by_state = dict(await _rows(session, select(Organisation.state, func.count()).group_by(col(Organisation.state))))
    stats.organisations_verified = by_state.get("verified", 0)
    stats.organisations_waiting = sum(by_state.get(state, 0) for state in QUEUE_STATES)

    work = _shift_work(period).subquery()
    for village_id, done, minutes in await _rows(session, select(
            work.c.village_id, func.count(), func.coalesce(func.sum(work.c.minutes), 0)).group_by(work.c.village_id)):
        stats.completed_shifts += done
        stats.minutes += minutes
        if (here := village(village_id)) is not None:
            here.completed_shifts, here.minutes = done, minutes

    ongoing = _ongoing(period).subquery()
    stats.ongoing_commitments = (await session.exec(select(func.count()).select_from(ongoing))).one()

    pledged = _pledges(period).subquery()
    for village_id, state, count in await _rows(session, select(pledged.c.village_id, pledged.c.state, func.count())
                                                .group_by(pledged.c.village_id, pledged.c.state)):
        stats.pledges += count
        if state == S.COMPLETED.value:
            stats.pledges_handed_over += count
        if (here := village(village_id)) is not None:
            here.pledges += count

    asked = select(HelpRequest.village_id, HelpRequest.state, func.count(), func.count(col(HelpRequest.matched_at))
                   ).where(*period.holds(col(HelpRequest.created_at))).group_by(col(HelpRequest.village_id),
                                                                                 col(HelpRequest.state))
    for village_id, state, count, matched in await _rows(session, asked):
        if state in HELP_STATES:
            setattr(stats.help_requests, state, getattr(stats.help_requests, state) + count)
        stats.help_requests.asked += count
        stats.help_requests.ever_matched += matched
        if (here := village(village_id)) is not None:
            here.help_requests += count
            here.help_matched += matched
    stats.open_help_requests = stats.help_requests.open + stats.help_requests.offered

    # Helpers: everyone once, whatever they did and wherever; per kind; per village; in ongoing commitments per
    # village. One statement: the people (a CTE, which both databases compute once when it is used more than
    # once) counted four ways.
    people = union_all(*(select(source.c.person_id, source.c.village_id, literal(kind).label("kind"))
                         .where(source.c.person_id.is_not(None))
                         for kind, source in (("shift", work), ("ongoing", ongoing), ("pledge", pledged),
                                              ("help", _help_given(period).subquery())))).cte("people")
    someone = func.count(func.distinct(people.c.person_id))
    no_key = cast(null(), String)
    counted = union_all(
        select(literal("all").label("way"), no_key.label("key"), someone),
        select(literal("kind"), people.c.kind, someone).group_by(people.c.kind),
        select(literal("village"), people.c.village_id, someone).group_by(people.c.village_id),
        select(literal("ongoing"), people.c.village_id, someone).where(people.c.kind == "ongoing")
        .group_by(people.c.village_id))
    per_kind: dict[str, int] = {}
    for way, key, count in await _rows(session, counted):
        if way == "all":
            stats.helpers = count
        elif way == "kind":
            per_kind[key] = count
        elif (here := village(key)) is not None:
            if way == "village":
                here.helpers = count
            else:
                here.ongoing_people = count
    stats.shift_helpers, stats.ongoing_people = per_kind.get("shift", 0), per_kind.get("ongoing", 0)
    stats.donors, stats.help_helpers = per_kind.get("pledge", 0), per_kind.get("help", 0)
    stats.villages = sorted(villages.values(), key=lambda v: v.village_id)
    return stats
