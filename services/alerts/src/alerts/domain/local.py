"""Our own warnings as CAP 1.2 threads: identifiers, strictly increasing `sent`, complete `references`."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from alerts.domain.cap import CapReference


def identifier(district_ars: str, thread_id: uuid.UUID, sequence: int) -> str:
    """Unique and CAP-safe (no spaces, commas, `<` or `&`): district, thread, message number."""
    return f"DE-{district_ars}-{thread_id.hex}-{sequence:03d}"


def next_sent(now: datetime, earlier: list[CapReference]) -> datetime:
    """Seconds precision, and strictly after every earlier message of the thread (clocks and double
    clicks within one second must not produce equal `sent`)."""
    sent = now.replace(microsecond=0)
    if earlier:
        latest = max(r.sent for r in earlier)
        if sent <= latest:
            sent = latest.replace(microsecond=0) + timedelta(seconds=1)
    return sent
