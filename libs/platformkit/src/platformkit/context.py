"""Per-request context carried through logs and events, and the running service's settings."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

# Set by the request-id middleware; read by the JSON log formatter and by the outbox (event headers).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# The settings of the service whose app is running: set by create_app's lifespan before the event
# runtime and background loops start (their tasks inherit it), so that an event handler, which is given
# only the event and a session, can read them.
service_settings: ContextVar[Any] = ContextVar("service_settings", default=None)
