"""Polling feeds: conditional requests, caps, health, and removal only by absence.

- A list is fetched with `If-None-Match`/`If-Modified-Since` when (and only when) we have a validator; a 304,
  or a 200 whose body is byte-identical to the last one, costs no parsing, no pushes and no removals.
- Items are parsed only when their change key (NINA version+hash, a zip member's or entry's digest) moved;
  a message seen before (the same message from another feed) is a no-op in `ingest`.
- A failed list fetch (5xx, timeout, oversized, unparseable) changes nothing but the feed's health. A failed
  detail fetch keeps the item as it was, to be retried. A warning is removed only after its item was absent
  from `absent_fetches_before_removal` successful list fetches in a row.
- Feed URLs are checked against the operators' allow-list of hosts; redirects are not followed."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import httpx
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from alerts.crud.context import Ingest
from alerts.crud.threads import end, ingest, quarantine
from alerts.domain.cap import message_from_element, parse_cap, parse_cap_feed, read_zip
from alerts.domain.message import Message, MessageError
from alerts.domain.nina import load_json, parse_listing, parse_warning
from alerts.models import Feed, FeedItem, WarningThread
from platformkit.db import Database

log = logging.getLogger("alerts.feeds")

FEED_KINDS = ("nina_list", "cap_feed", "cap_zip")


class FeedUrlRefused(ValueError):
    pass


def check_feed_url(url: str, allowed_hosts: tuple[str, ...] | list[str]) -> str:
    """Only http(s) to an allowed host, without credentials: operators cannot point us at internal
    addresses (SSRF)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FeedUrlRefused("a feed address starts with https:// (or http://)")
    if parts.username or parts.password:
        raise FeedUrlRefused("a feed address carries no credentials")
    host = (parts.hostname or "").lower().rstrip(".")
    if host not in {h.lower() for h in allowed_hosts}:
        raise FeedUrlRefused(f"the host {host or '(none)'} is not on the list of allowed feed hosts")
    return url


class FetchFailed(Exception):
    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(slots=True)
class Fetched:
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


async def fetch(
    http: httpx.AsyncClient, url: str, *, allowed_hosts: tuple[str, ...] | list[str], max_bytes: int,
    timeout_seconds: float, etag: str | None = None, last_modified: str | None = None,
) -> Fetched:
    check_feed_url(url, allowed_hosts)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        request = http.stream("GET", url, headers=headers, timeout=timeout_seconds, follow_redirects=False)
        async with request as response:
            if response.status_code == 304:
                return Fetched(304, etag=etag, last_modified=last_modified)
            if response.status_code != 200:
                raise FetchFailed(f"HTTP {response.status_code}", response.status_code)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchFailed(f"the body exceeds {max_bytes} bytes")
                chunks.append(chunk)
            return Fetched(200, b"".join(chunks), response.headers.get("etag"), response.headers.get("last-modified"))
    except httpx.TimeoutException:
        raise FetchFailed("timed out") from None
    except httpx.HTTPError as exc:
        raise FetchFailed(f"{type(exc).__name__}") from None


@dataclass(slots=True)
class PollReport:
    outcome: str = "ok"  # ok | not_modified | failing
    parsed: int = 0
    ingested: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0
    removed: int = 0
    detail_failures: int = 0


@dataclass(slots=True)
class _Item:
    item: str
    change_key: str
    load: object  # bytes | Element | str (a URL to fetch) | MessageError


class FeedPoller:
    """Polls one feed once. Database writes happen in short transactions between the HTTP calls."""

    def __init__(self, db: Database, http: httpx.AsyncClient, ctx: Ingest) -> None:
        self.db, self.http, self.ctx = db, http, ctx
        self.settings = ctx.settings

    async def _get(self, url: str, **validators: str | None) -> Fetched:
        return await fetch(
            self.http, url, allowed_hosts=self.settings.feed_allowed_hosts, max_bytes=self.settings.feed_max_bytes,
            timeout_seconds=self.settings.feed_timeout_seconds, **validators,
        )

    async def poll(self, feed_id: uuid.UUID) -> PollReport:
        report = PollReport()
        async with self.db.read_sessions() as session:
            feed = await session.get(Feed, feed_id)
            if feed is None:
                raise LookupError(feed_id)
            url, kind, etag, modified, digest = feed.url, feed.kind, feed.etag, feed.last_modified, feed.body_sha256
            # Items whose detail could not be fetched are retried: then the list is read even if unchanged.
            retry = (await session.exec(
                select(FeedItem.item).where(FeedItem.feed_id == feed_id, FeedItem.change_key == "")
            )).first() is not None
        if retry:
            etag = modified = digest = None
        try:
            fetched = await self._get(url, etag=etag, last_modified=modified)
            body_digest = hashlib.sha256(fetched.body).hexdigest() if fetched.status == 200 else digest
            if fetched.status == 304 or body_digest == digest:
                report.outcome = "not_modified"
                await self._record(feed_id, report, fetched, body_digest)
                return report
            items = self._items(kind, fetched.body)
        except (FetchFailed, FeedUrlRefused, MessageError) as exc:
            report.outcome = "failing"
            await self._record(feed_id, report, None, digest, error=str(exc))
            return report
        seen: set[str] = set()
        for item in items:
            seen.add(item.item)
            await self._take(feed_id, kind, url, item, report)
        report.removed = await self._sweep(feed_id, seen)
        await self._record(feed_id, report, fetched, body_digest)
        return report

    def _items(self, kind: str, body: bytes) -> list[_Item]:
        if kind == "nina_list":
            listing = parse_listing(load_json(body, max_bytes=self.settings.feed_max_bytes))
            return [_Item(entry.id, entry.version, entry.id) for entry in listing]
        if kind == "cap_zip":
            return [
                _Item(name, hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else "oversized", data)
                for name, data in read_zip(body, member_max_bytes=self.settings.zip_member_max_bytes,
                                           total_max_bytes=self.settings.zip_total_max_bytes)
            ]
        entries = parse_cap_feed(body, max_bytes=self.settings.feed_max_bytes)
        items: list[_Item] = []
        for entry in entries:
            load: object = entry.alert if entry.alert is not None else entry.link
            items.append(_Item(entry.key[:300], entry.updated[:200] or entry.key[:200], load))
        return items

    async def _take(self, feed_id: uuid.UUID, kind: str, url: str, item: _Item, report: PollReport) -> None:
        async with self.db.transaction() as session:
            row = await session.get(FeedItem, (feed_id, item.item))
            if row is not None:
                row.missed, row.last_seen_at = 0, self.ctx.now
                session.add(row)
                if row.change_key == item.change_key:
                    return
        try:
            message = await self._message(kind, url, item)
        except FetchFailed as exc:
            report.detail_failures += 1
            log.warning("alerts feed %s: could not fetch %s (%s); kept as it was", feed_id, item.item, exc)
            async with self.db.transaction() as session:
                row = await session.get(FeedItem, (feed_id, item.item))
                row = row or FeedItem(feed_id=feed_id, item=item.item, last_seen_at=self.ctx.now)
                row.change_key = ""  # to be fetched again at the next poll; its warning stays as it was
                session.add(row)
            return
        except (MessageError, FeedUrlRefused) as exc:  # never taken as it is: quarantined, not retried
            report.quarantined += 1
            code, detail = (exc.code, exc.detail) if isinstance(exc, MessageError) else ("URL_REFUSED", str(exc))
            async with self.db.transaction() as session:
                await quarantine(session, code=code, detail=detail, item=item.item, feed_id=feed_id)
                await self._remember(session, feed_id, item, None, None)
            return
        report.parsed += 1
        async with self.db.transaction() as session:
            source = await self._source(session, feed_id)
            outcome = await ingest(session, message, self.ctx, source=source, feed_id=feed_id)
            report.ingested[outcome.kind] = report.ingested.get(outcome.kind, 0) + 1
            await self._remember(session, feed_id, item, message, outcome.thread_id)

    async def _source(self, session: AsyncSession, feed_id: uuid.UUID) -> str:
        feed = await session.get(Feed, feed_id)
        return feed.source if feed is not None else "cap"

    async def _remember(
        self, session: AsyncSession, feed_id: uuid.UUID, item: _Item, message: Message | None,
        thread_id: uuid.UUID | None,
    ) -> None:
        row = await session.get(FeedItem, (feed_id, item.item)) or FeedItem(feed_id=feed_id, item=item.item)
        row.change_key = item.change_key
        row.message_key = message.key[:200] if message is not None else None
        row.thread_id = thread_id
        row.missed, row.last_seen_at = 0, self.ctx.now
        session.add(row)

    async def _message(self, kind: str, url: str, item: _Item) -> Message:
        if isinstance(item.load, MessageError):
            raise item.load
        if isinstance(item.load, bytes):
            return parse_cap(item.load, max_bytes=self.settings.zip_member_max_bytes)
        if kind == "nina_list":
            base = url.rsplit("/", 2)[0] + "/"  # .../api31/<provider>/mapData.json -> .../api31/
            detail = await self._get(urljoin(base, f"warnings/{item.item}.json"))
            try:
                shapes = await self._get(urljoin(base, f"warnings/{item.item}.geojson"))
                geojson = load_json(shapes.body, max_bytes=self.settings.feed_max_bytes)
            except FetchFailed as exc:
                if exc.status != 404:  # no geometry published is an answer; a failure is not
                    raise
                geojson = None
            version = item.change_key.split(":", 1)[0]
            return parse_warning(
                load_json(detail.body, max_bytes=self.settings.feed_max_bytes),
                geojson=geojson,
                version=int(version) if version.isdigit() else None,
            )
        if isinstance(item.load, str):  # an Atom/RSS entry linking to its CAP
            fetched = await self._get(urljoin(url, item.load))
            return parse_cap(fetched.body, max_bytes=self.settings.feed_max_bytes)
        return message_from_element(item.load)  # type: ignore[arg-type]

    async def _sweep(self, feed_id: uuid.UUID, seen: set[str]) -> int:
        """Items absent from this successful fetch: counted; removed (and their warning ended, if no other
        feed still lists it) after enough absences in a row."""
        removed = 0
        async with self.db.transaction() as session:
            rows = (await session.exec(select(FeedItem).where(FeedItem.feed_id == feed_id))).all()
            for row in rows:
                if row.item in seen:
                    continue
                row.missed += 1
                if row.missed < self.settings.absent_fetches_before_removal:
                    session.add(row)
                    continue
                await session.delete(row)
                removed += 1
                if row.thread_id is None:
                    continue
                still_listed = (await session.exec(
                    select(FeedItem).where(FeedItem.thread_id == row.thread_id, col(FeedItem.missed) == 0,
                                           FeedItem.item != row.item)
                )).first()
                thread = await session.get(WarningThread, row.thread_id)
                if thread is not None and thread.state == "active" and still_listed is None:
                    await end(session, thread, "ended", self.ctx)
        return removed

    async def _record(
        self, feed_id: uuid.UUID, report: PollReport, fetched: Fetched | None, digest: str | None,
        error: str | None = None,
    ) -> None:
        async with self.db.transaction() as session:
            feed = await session.get(Feed, feed_id)
            if feed is None:
                return
            now = self.ctx.now
            feed.last_attempt_at = now
            feed.next_poll_at = now + timedelta(seconds=feed.poll_seconds)
            feed.fetches += 1
            feed.last_outcome = report.outcome
            feed.quarantined += report.quarantined
            if error is not None:
                feed.consecutive_failures += 1
                feed.last_error = error[:500]
            else:
                feed.consecutive_failures, feed.last_error, feed.last_success_at = 0, None, now
                feed.not_modified += report.outcome == "not_modified"
                if fetched is not None and fetched.status == 200:
                    # A response without validators means an unconditional GET next time (never "None").
                    feed.etag, feed.last_modified, feed.body_sha256 = fetched.etag, fetched.last_modified, digest
            session.add(feed)


async def poll_due(db: Database, http: httpx.AsyncClient, ctx: Ingest) -> dict[uuid.UUID, PollReport]:
    """Every enabled feed whose time has come, one after another."""
    async with db.read_sessions() as session:
        due = (await session.exec(
            select(Feed.id).where(Feed.enabled == True, col(Feed.next_poll_at) <= ctx.now)  # noqa: E712
        )).all()
    poller = FeedPoller(db, http, ctx)
    reports: dict[uuid.UUID, PollReport] = {}
    for feed_id in due:
        try:
            reports[feed_id] = await poller.poll(feed_id)
        except Exception:
            log.exception("alerts: polling feed %s failed", feed_id)
    return reports
