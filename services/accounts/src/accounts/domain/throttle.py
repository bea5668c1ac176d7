"""Brute-force rules as pure functions (the counters live in the `login_throttle` table).

* Per account (by a hash of the e-mail, known or not, so the behaviour reveals nothing): the attempt is
  counted *before* the password is checked. The first `failures_before_lockout` attempts run freely;
  from then on each attempt that is let through locks the account for base * 2^(n - threshold)
  seconds (capped), so at most one guess runs per lock window however many arrive at once, and the
  windows grow exponentially. During a lock every attempt, even with the right password, gets 429.
  A successful login clears the counter.
* Per client address: failed password checks within a window; over the budget, 429 until the
  window ends. Attempts refused by an account lock do not count, so that hammering one account does
  not lock the whole village (many people share one address) out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottleRules:
    failures_before_lockout: int = 5
    lockout_base_seconds: int = 2
    lockout_max_seconds: int = 900
    address_failure_budget: int = 100
    address_window_seconds: int = 900


def lockout_seconds(attempts: int, rules: ThrottleRules) -> int:
    """How long an account stays locked after attempt number `attempts` (0 while under the threshold)."""
    over = attempts - rules.failures_before_lockout
    if over < 0:
        return 0
    if over >= 30:  # 2**30 * base is far past any cap
        return rules.lockout_max_seconds
    return int(min(rules.lockout_base_seconds * 2**over, rules.lockout_max_seconds))


def retry_after_seconds(until: datetime, now: datetime) -> int:
    """The Retry-After value for a lock ending at `until` (at least 1 s)."""
    return max(1, math.ceil((until - now).total_seconds()))


def address_window_expired(window_started_at: datetime, now: datetime, rules: ThrottleRules) -> bool:
    return now >= window_started_at + timedelta(seconds=rules.address_window_seconds)


def address_blocked_until(
    failures: int, window_started_at: datetime, now: datetime, rules: ThrottleRules
) -> datetime | None:
    """The end of the address's window when its budget is spent, else None."""
    if address_window_expired(window_started_at, now, rules):
        return None
    if failures < rules.address_failure_budget:
        return None
    return window_started_at + timedelta(seconds=rules.address_window_seconds)
