"""A circuit breaker per upstream: after N consecutive failures stop sending for T seconds, then let
one trial request through (half-open); its outcome closes or re-opens the circuit.

Why: an upstream that is down or hanging would otherwise tie up a connection and a client for a whole
connect/read timeout per request; while open we answer 503 at once and the upstream gets room to recover.
Only transport failures count (connect errors, timeouts, broken connections). An upstream's own 5xx is an
answer, not an outage: one buggy route must not cut off the whole service.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from enum import Enum


class State(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        failure_threshold: int = 5,
        reset_timeout: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be >= 1")
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self.state = State.CLOSED
        self.failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False

    def before_request(self) -> float | None:
        """None if the request may go; else the seconds after which to try again (for Retry-After)."""
        if self.state is State.CLOSED:
            return None
        now = self._clock()
        if self.state is State.OPEN:
            remaining = self._opened_at + self.reset_timeout - now
            if remaining > 0:
                return remaining
            self.state = State.HALF_OPEN
            self._trial_in_flight = False
        if self._trial_in_flight:
            return 1.0  # one trial at a time; the others are told to come back shortly
        self._trial_in_flight = True
        return None

    def record_success(self) -> None:
        self.state = State.CLOSED
        self.failures = 0
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self.failures += 1
        if self.state is State.HALF_OPEN or self.failures >= self.failure_threshold:
            self.state = State.OPEN
            self._opened_at = self._clock()
        self._trial_in_flight = False

    def record_abandoned(self) -> None:
        """The request ended without telling us anything about the upstream (e.g. the client left)."""
        self._trial_in_flight = False

    @staticmethod
    def retry_after_header(seconds: float) -> str:
        return str(max(1, math.ceil(seconds)))
