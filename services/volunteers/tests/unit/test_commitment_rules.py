"""The pure rules of commitments (domain.commitments): what fits which kind, who confirms, what stays
counted, and how long contact data and arrangements are released."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from volunteers.domain import commitments as rules

NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)


def test_places_and_quantities_fit_the_kind() -> None:
    assert rules.opportunity_problem("material", None, "Jacken") == ("QUANTITY_WANTED_REQUIRED", "body.capacity")
    assert rules.opportunity_problem("material", 30, None) == ("UNIT_REQUIRED", "body.unit")
    assert rules.opportunity_problem("material", 30, "Jacken") is None
    assert rules.opportunity_problem("ongoing", None, None) is None  # open-ended, no cap
    assert rules.opportunity_problem("ongoing", 4, None) is None
    assert rules.opportunity_problem("ongoing", 4, "Stück") == ("UNIT_NOT_FOR_KIND", "body.unit")
    assert rules.opportunity_problem("shifts", 4, None) == ("CAPACITY_NOT_FOR_KIND", "body.capacity")
    assert rules.quantity_problem("ongoing", 1) is None
    assert rules.quantity_problem("ongoing", 2) == "QUANTITY_NOT_FOR_KIND"
    assert rules.quantity_problem("material", 12) is None
    assert rules.quantity_problem("material", 0) == "QUANTITY_TOO_SMALL"


def test_who_confirms() -> None:
    assert rules.needs_confirmation("ongoing", "auto", False)  # always an expression of interest first
    assert not rules.needs_confirmation("material", "auto", False)
    assert rules.needs_confirmation("material", "org_approval", False)
    assert rules.needs_confirmation("material", "auto", True)


def test_what_is_open_and_what_stays_counted() -> None:
    assert rules.still_open(None, 7) is None
    assert rules.still_open(30, 28) == 2
    assert rules.still_open(3, 5) == 0  # never negative, even if the cap was lowered under it
    assert rules.keeps_share_when_completed("material")
    assert not rules.keeps_share_when_completed("ongoing")


def test_contact_and_arrangements_are_released_on_confirmation_for_a_limited_time() -> None:
    release = timedelta(days=30)
    assert not rules.released("requested", NOW, NOW, release)
    assert rules.released("confirmed", NOW + timedelta(days=400), NOW, release)
    assert rules.released("completed", NOW + timedelta(days=30), NOW, release)
    assert not rules.released("completed", NOW + timedelta(days=31), NOW, release)
    assert not rules.released("cancelled_by_volunteer", NOW, NOW, release)
    assert not rules.request_lapsed(NOW + timedelta(days=13), NOW, timedelta(days=14))
    assert rules.request_lapsed(NOW + timedelta(days=14), NOW, timedelta(days=14))
