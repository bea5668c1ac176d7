"""Per-request context carried through logs and events."""

from __future__ import annotations

from contextvars import ContextVar

# Set by the request-id middleware; read by the JSON log formatter and by the outbox (event headers).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
