"""The pure rules: money and VAT, Grundpreis, LMIV, cut-offs in Berlin time, the order state machine,
search folding, category names."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from marketplace.domain import lifecycle
from marketplace.domain.lmiv import missing_food_information, unknown_allergens
from marketplace.domain.money import (
    TaxableAmount,
    euro,
    grundpreis,
    variable_weight_cents,
    vat_by_rate,
    vat_included,
)
from marketplace.domain.rounds import cutoff_for, wall_time_to_utc, weekly_dates
from marketplace.domain.search import query_terms, search_body


def test_vat_is_extracted_once_per_rate_not_per_line() -> None:
    lines = [TaxableAmount(99, 7)] * 3 + [TaxableAmount(149, 19)]
    groups = vat_by_rate(lines)
    assert [(g.vat_rate, g.gross_cents, g.vat_cents, g.net_cents) for g in groups] == [(7, 297, 19, 278),
                                                                                       (19, 149, 24, 125)]
    assert sum(vat_included(99, 7) for _ in range(3)) == 18  # what per-line rounding would have said


def test_rounding_is_half_up_and_zero_rate_has_no_vat() -> None:
    assert vat_included(1284, 19) == 205  # 205.008...
    assert vat_included(596, 7) == 39  # 38.99...
    assert vat_included(1000, 0) == 0
    assert variable_weight_cents(1290, 462) == 596  # 595.98
    assert variable_weight_cents(1000, 5) == 5  # 5.0
    assert variable_weight_cents(1, 500) == 1  # 0.5 rounds up


def test_grundpreis_per_kg_or_l_without_pfand() -> None:
    unit = grundpreis(199, 700, "ml")
    assert unit is not None and (unit.cents, unit.unit) == (284, "l")
    unit = grundpreis(549, 250, "g")
    assert unit is not None and (unit.cents, unit.unit) == (2196, "kg")
    assert grundpreis(450, 1000, "g") is None  # equals the price
    assert grundpreis(99, 8, "g") is None  # under 10 g
    assert grundpreis(320, None, "piece") is None


def test_euro_in_german_notation() -> None:
    assert euro(199) == "1,99 €"
    assert euro(123456) == "1.234,56 €"
    assert euro(-5) == "-0,05 €"


def test_lmiv_needs_ingredients_and_an_allergen_statement() -> None:
    assert missing_food_information(ingredients=None, allergens=None) == ["ingredients", "allergens"]
    assert missing_food_information(ingredients="  ", allergens=[]) == ["ingredients"]
    assert missing_food_information(ingredients="Milch", allergens=[]) == []  # "contains none" is a statement
    assert unknown_allergens(["milk", "peanut"]) == ["peanut"]


def test_cutoffs_follow_berlin_wall_time_across_dst() -> None:
    assert cutoff_for(date(2026, 10, 25), days_before=1, at=time(18)) == datetime(2026, 10, 24, 16, tzinfo=UTC)
    assert cutoff_for(date(2026, 11, 1), days_before=1, at=time(18)) == datetime(2026, 10, 31, 17, tzinfo=UTC)
    # 02:30 does not exist on 2026-03-29: it is taken after the gap (03:30 CEST = 01:30Z).
    assert wall_time_to_utc(date(2026, 3, 29), time(2, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 02:30 happens twice on 2026-10-25: the first (CEST) one.
    assert wall_time_to_utc(date(2026, 10, 25), time(2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert weekly_dates(5, date(2026, 10, 20), 2) == [date(2026, 10, 24), date(2026, 10, 31)]


def test_order_state_machine() -> None:
    S, T = lifecycle.OrderState, lifecycle.Transition
    assert lifecycle.next_state(S.PLACED, T.ACCEPT) == S.ACCEPTED
    assert lifecycle.next_state(S.PACKING, T.PACK, fulfilment="delivery") == S.OUT_FOR_DELIVERY
    assert lifecycle.next_state(S.ACCEPTED, T.PACK) == S.READY_FOR_PICKUP
    assert lifecycle.next_state(S.PACKING, T.CANCEL) == S.CANCELLED
    for state in (S.READY_FOR_PICKUP, S.OUT_FOR_DELIVERY, S.COMPLETED, S.REJECTED):
        with pytest.raises(lifecycle.InvalidTransition):
            lifecycle.next_state(state, T.CANCEL)
    with pytest.raises(lifecycle.InvalidTransition):
        lifecycle.next_state(S.ACCEPTED, T.REJECT)


def test_search_folds_umlauts_both_ways() -> None:
    body = search_body("Bergkäse", "Apfelsaft naturtrüb")
    assert "bergkaese" in body.split() and "bergkase" in body.split()
    assert query_terms("Käse") == ["kaese"]
    assert query_terms("Kaese KASE") == ["kaese", "kase"]
    assert all(term in body for term in query_terms("käse")) and "saft" in body
    assert len(query_terms(" ".join(f"w{n}" for n in range(20)))) == 6


def test_every_category_of_the_api_has_a_name() -> None:
    from typing import get_args

    from marketplace.domain.categories import CATEGORIES
    from marketplace.schemas import Category

    assert set(get_args(Category)) == set(CATEGORIES)
