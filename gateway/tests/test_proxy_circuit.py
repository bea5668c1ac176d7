"""The circuit breaker on its own, with an injected clock."""

from __future__ import annotations

import pytest

from gateway.circuit import CircuitBreaker, State


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_n_consecutive_failures_only() -> None:
    breaker = CircuitBreaker(3, 10.0, clock=Clock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # a success in between resets the count
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.before_request() is None and breaker.state is State.CLOSED
    breaker.record_failure()
    assert breaker.state is State.OPEN
    assert breaker.before_request() == pytest.approx(10.0)


def test_half_open_lets_exactly_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 5.0, clock=clock)
    breaker.record_failure()
    clock.now = 4.0
    assert breaker.before_request() == pytest.approx(1.0)
    clock.now = 5.0
    assert breaker.before_request() is None  # the trial
    assert breaker.state is State.HALF_OPEN
    assert breaker.before_request() is not None  # everyone else waits for the trial's outcome
    breaker.record_success()
    assert breaker.state is State.CLOSED and breaker.before_request() is None


def test_failed_trial_opens_again_for_a_full_period() -> None:
    clock = Clock()
    breaker = CircuitBreaker(2, 5.0, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.now = 6.0
    assert breaker.before_request() is None
    breaker.record_failure()
    assert breaker.state is State.OPEN
    assert breaker.before_request() == pytest.approx(5.0)


def test_abandoned_trial_frees_the_slot() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 1.0, clock=clock)
    breaker.record_failure()
    clock.now = 2.0
    assert breaker.before_request() is None
    breaker.record_abandoned()  # e.g. the client went away before the upstream answered
    assert breaker.before_request() is None


def test_retry_after_is_a_whole_number_of_seconds_at_least_one() -> None:
    assert CircuitBreaker.retry_after_header(0.2) == "1"
    assert CircuitBreaker.retry_after_header(29.1) == "30"
