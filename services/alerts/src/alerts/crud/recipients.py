"""Who a warning reaches: its area against the subscribed places, cell by cell so that it scales to a
million subscriptions. Every place sits in a 0.01° cell (`SubscriptionPlace.cell`). For an area with shapes,
the cells that hold places near it are classified once each: a cell the area covers whole gives its people
without looking at each (one indexed read); a cell on the area's edge (or within the largest subscribed
radius of it) has its places tested one by one; the rest are skipped. Geocode areas (warn cells, ARS) add
the places of their Gemeinden by ARS prefix. Area subscriptions (a Gemeinde, the district) are few and are
tested with their villages' centroids. Reads go to the driver directly: the person ids of a big warning are
most of the work."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from alerts.domain.geometry import cell_box, cells_in
from alerts.domain.matching import Target
from places import Gazetteer

_CHUNK = 2_000
_FILTERS = "min_severity <= ? AND (topic_mask & ?) != 0"


@dataclass(slots=True)
class Recipient:
    """A person the warning concerns: their id as 32 hex digits (as read, turned into a UUID only when
    somebody is told), the labels of their matching places, their languages."""

    person: str
    places: set[str] = field(default_factory=set)
    languages: str = "de"

    @property
    def person_id(self) -> uuid.UUID:
        return uuid.UUID(hex=self.person)


async def _rows(session: AsyncSession, sql: str, *params: Any) -> list[Sequence[Any]]:
    """`sql` with `?` placeholders, run on the driver's own connection: a big warning's recipients are
    tens of thousands of rows, and the ORM's per-row work would be most of the time."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    if connection.dialect.name == "postgresql":  # psycopg: "%s" placeholders (the SQL has no other "%")
        async with driver.cursor() as cursor:
            await cursor.execute(sql.replace("?", "%s"), params)
            return list(await cursor.fetchall())
    async with driver.execute(sql, params) as cursor:  # aiosqlite
        return list(await cursor.fetchall())


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def _hex(value: Any) -> str:
    return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "")


async def _cells_near(session: AsyncSession, target: Target, radius_m: float, filters: tuple[int, int]) -> list[int]:
    box = target.bbox
    assert box is not None
    rows: dict[int, tuple[int, int]] = {}
    for cell in cells_in(box.grow(radius_m)):  # one range per row of cells
        first, last = rows.get(cell // 100_000, (cell, cell))
        rows[cell // 100_000] = (min(first, cell), max(last, cell))
    ranges = " OR ".join("cell BETWEEN ? AND ?" for _ in rows)
    bounds = [bound for pair in rows.values() for bound in pair]
    found = await _rows(session, f"SELECT DISTINCT cell FROM subscription_place WHERE ({ranges}) "  # noqa: S608
                                 f"AND kind != 'area' AND {_FILTERS}", *bounds, *filters)
    return [int(row[0]) for row in found]


async def recipients(
    session: AsyncSession,
    target: Target,
    gazetteer: Gazetteer,
    *,
    severity: int,
    topic_mask: int,
) -> dict[str, Recipient]:
    """Everyone the area concerns, once per person, with the labels of their places that match."""
    found: dict[str, Recipient] = {}
    filters = (severity, topic_mask)

    def add(rows: Iterable[Sequence[Any]]) -> None:
        for person, label, languages in rows:
            key = _hex(person)
            recipient = found.get(key)
            if recipient is None:
                recipient = found[key] = Recipient(key, languages=str(languages))
            recipient.places.add(str(label))

    # Only constant SQL and "?" placeholders are put together here; every value is a parameter.
    select = "SELECT person_id, label, languages{} FROM subscription_place WHERE kind != 'area' AND " + _FILTERS  # noqa: S608
    if target.shapes:
        largest = (await _rows(session, "SELECT MAX(radius_m) FROM subscription_place"))[0][0] or 0.0
        whole, edge = [], []
        for cell in await _cells_near(session, target, float(largest), filters):
            box = cell_box(cell)
            if any(shape.covers_box(box) for shape in target.shapes):
                whole.append(cell)
            elif any(shape.contains(*box.centre, within_m=float(largest) + box.half_diagonal_m)
                     for shape in target.shapes):
                edge.append(cell)
        for start in range(0, len(whole), _CHUNK):
            chunk = whole[start:start + _CHUNK]
            add(await _rows(session, select.format("") + f" AND cell IN ({_marks(chunk)})", *filters, *chunk))
        for start in range(0, len(edge), _CHUNK):
            chunk = edge[start:start + _CHUNK]
            rows = await _rows(session, select.format(", lat, lon, radius_m, ars") + f" AND cell IN ({_marks(chunk)})",
                               *filters, *chunk)
            add(row[:3] for row in rows if target.covers_point(row[3], row[4], row[5], row[6]))
    prefixes = list(target.area_prefixes) + ([] if target.shapes else list(target.district_prefixes))
    for prefix in prefixes:
        add(await _rows(session, select.format("") + " AND ars LIKE ?", *filters, f"{prefix}%"))
    areas = await _rows(session, "SELECT person_id, label, languages, ars FROM subscription_place "  # noqa: S608
                                 "WHERE kind = 'area' AND " + _FILTERS, *filters)
    centroids: dict[str, list[tuple[float, float]]] = {}
    for person, label, languages, ars in areas:
        points = centroids.setdefault(ars, [(o.lat, o.lon) for o in gazetteer.ortsteile_in(ars)])
        if target.covers_area(ars, points):
            add([(person, label, languages)])
    return found
