"""Scenarios 10 and 11, the pure part: qualification gates (age, licence, car, language, certificate) and
matching by distance (straight line or road), availability and language, with reasons and a stable order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

from places import demo
from volunteers.domain.matching import (
    DistanceMode,
    Efz,
    EfzSource,
    ShiftFacts,
    VolunteerFacts,
    Window,
    efz_status,
    evaluate,
    qualification_gate,
    ranked,
)


def at(village: str) -> tuple[float, float]:
    place = demo().ortsteil(village)
    return place.lat, place.lon


PRENZLAU = at("ot-prenzlau-prenzlau")
# Dedelow ~6 km, Gramzow ~16 km (straight) from Prenzlau.
THURSDAY = datetime(2026, 6, 11, 12, 0, tzinfo=UTC)  # 14:00 local

volunteer = VolunteerFacts(
    person_id="v", birth_year=1990, home=PRENZLAU, radius_km=15,
    windows=(Window(1, time(14), time(18)), Window(3, time(14), time(18))),
    languages={"uk": "C2", "de": "B1"}, own_car=False,
)


def shift(name: str, **values: object) -> ShiftFacts:
    base = ShiftFacts(shift_id=name, organisation_id="org-x", start=THURSDAY, end=THURSDAY.replace(hour=14),
                      zone="Europe/Berlin", site=at("ot-prenzlau-dedelow"))
    return replace(base, **values)  # type: ignore[arg-type]


def test_distance_mode_decides_a_shift_twelve_km_away() -> None:
    twelve_km = shift("a", site=(PRENZLAU[0] + 12 / 111.2, PRENZLAU[1]))
    assert evaluate(volunteer, twelve_km).eligible
    road = evaluate(volunteer, twelve_km, mode=DistanceMode.ROAD)
    assert not road.eligible and "outside_radius" in road.reasons


def test_a_shift_outside_the_availability_is_excluded_or_partial() -> None:
    late = shift("b", start=THURSDAY.replace(hour=15), end=THURSDAY.replace(hour=17))  # 17:00-19:00 local
    assert evaluate(volunteer, late).reasons == ("outside_availability",)
    partial = evaluate(volunteer, late, partial_time=True)
    assert partial.eligible and "availability_partial" in partial.reasons


def test_remote_help_is_in_regardless_of_distance_and_without_a_home() -> None:
    remote = shift("c", site=None, remote=True)
    assert evaluate(volunteer, remote).eligible
    homeless = replace(volunteer, home=None)
    assert evaluate(homeless, remote).eligible
    assert evaluate(homeless, replace(remote, district_wide=True, remote=False)).eligible
    assert evaluate(homeless, shift("d")).reasons == ("no_location",)


def test_language_requirements_rank_up_or_exclude() -> None:
    plain, ukrainian = shift("d0"), shift("d1", requirements=("lang:uk:B2",))
    german = shift("e", requirements=("lang:de:C1",))
    assert evaluate(volunteer, ukrainian).score > evaluate(volunteer, plain).score
    assert "language:uk" in evaluate(volunteer, ukrainian).reasons
    assert evaluate(volunteer, german).reasons == ("language_below:de:C1",)


def test_equal_scores_are_ordered_by_start_then_id() -> None:
    later, first_b, first_a = shift("z", start=THURSDAY.replace(minute=30)), shift("b"), shift("a")
    fits = [(evaluate(volunteer, s), s) for s in (later, first_b, first_a)]
    assert [s.shift_id for _, s in ranked(fits)] == ["a", "b", "z"]


def test_driving_needs_licence_car_and_full_age() -> None:
    driving = shift("f", requirements=("licence:B", "own_car"))
    seventeen = replace(volunteer, birth_year=2008, licence_classes=frozenset({"B"}), own_car=True)
    assert "age_below:18" in qualification_gate(seventeen, driving).excluded
    adult = replace(seventeen, birth_year=1990)
    assert qualification_gate(adult, driving).excluded == ()
    assert qualification_gate(replace(adult, own_car=False), driving).excluded == ("own_car_missing",)


def test_fifteen_is_too_young_for_any_shift() -> None:
    assert qualification_gate(replace(volunteer, birth_year=2011), shift("g")).excluded == ("age_below:16",)


def efz(source: EfzSource, inspected: date, *, org: str | None = None, consent: bool = False,
        clean: bool = True) -> Efz:
    return Efz(source, org, inspected.replace(day=1), inspected, clean, consent)


def test_certificate_rules() -> None:
    on = date(2026, 6, 11)
    assert efz_status([efz(EfzSource.SELF, date(2026, 1, 10))], "org-x", on) == "unverified"
    assert efz_status([efz(EfzSource.DISTRICT, date(2021, 5, 10), consent=True)], "org-x", on) == "outdated"
    assert efz_status([efz(EfzSource.DISTRICT, date(2022, 5, 10), consent=True)], "org-x", on) == "valid"
    assert efz_status([efz(EfzSource.DISTRICT, date(2025, 5, 10), consent=True, clean=False)], "org-x",
                      on) == "exclusion"
    # Another organisation's inspection, or the district's without consent: this organisation must see it.
    assert efz_status([efz(EfzSource.ORGANISATION, date(2025, 5, 10), org="org-y")], "org-x", on) == "unverified"
    assert efz_status([efz(EfzSource.DISTRICT, date(2025, 5, 10))], "org-x", on) == "unverified"
    assert efz_status([efz(EfzSource.ORGANISATION, date(2025, 5, 10), org="org-x")], "org-x", on) == "valid"
    assert efz_status([], "org-x", on) == "missing"
