import pytest

from places import (
    DEFAULT_DETOUR_FACTOR,
    DistanceMethod,
    DistanceUnit,
    haversine_m,
    reimbursable_distance,
    shape_distance_m,
)

PRENZLAU = (53.3163, 13.8628)
TEMPLIN = (53.1180, 13.5026)


def test_shape_distance_units() -> None:
    assert shape_distance_m(1200.0, 4700.0, "m") == 3500.0
    assert shape_distance_m(1.2, 4.7, DistanceUnit.KILOMETRES) == pytest.approx(3500.0)
    assert shape_distance_m(4.7, 1.2, "km") == pytest.approx(3500.0)  # order does not matter
    assert shape_distance_m(0.0, 1.0, "mi") == pytest.approx(1609.344)
    with pytest.raises(ValueError):
        shape_distance_m(1.0, 2.0, "furlong")
    with pytest.raises(ValueError):
        shape_distance_m(-1.0, 2.0, "m")


def test_reimbursement_uses_shape_distance_when_present() -> None:
    # A bus line Prenzlau -> Templin whose shape says 40.2 km between the two stops (in metres).
    r = reimbursable_distance(PRENZLAU, TEMPLIN, shape_dist_start=0.0, shape_dist_end=40_200.0, unit="m")
    assert r.method is DistanceMethod.SHAPE
    assert r.metres == 40_200.0
    assert r.km == pytest.approx(40.2)
    assert r.note is None


def test_reimbursement_falls_back_to_detour_factor() -> None:
    straight = haversine_m(*PRENZLAU, *TEMPLIN)
    r = reimbursable_distance(PRENZLAU, TEMPLIN)
    assert r.method is DistanceMethod.DETOUR_FACTOR
    assert DEFAULT_DETOUR_FACTOR == 1.3
    assert r.metres == pytest.approx(straight * 1.3)
    r2 = reimbursable_distance(PRENZLAU, TEMPLIN, detour_factor=1.15)
    assert r2.metres == pytest.approx(straight * 1.15)
    # Only one of the two values: no shape distance.
    r3 = reimbursable_distance(PRENZLAU, TEMPLIN, shape_dist_start=3.0, unit="km")
    assert r3.method is DistanceMethod.DETOUR_FACTOR


def test_implausible_shape_distance_is_not_paid() -> None:
    # shared/fixtures/mobility/transitfeed-good-feed: trip STBA, STAGECOACH (36.915682, -116.751677)
    # shape_dist_traveled 0.212 -> BEATTY_AIRPORT (36.868446, -116.784582) 1.043. The stops are 6.0 km apart,
    # so 0.831 cannot be km (nor miles: 1.34 km). The rule pays the detour-factor distance and says why.
    a, b = (36.915682, -116.751677), (36.868446, -116.784582)
    r = reimbursable_distance(a, b, shape_dist_start=0.212, shape_dist_end=1.043, unit="km")
    assert r.method is DistanceMethod.DETOUR_FACTOR
    assert r.metres == pytest.approx(haversine_m(*a, *b) * 1.3)
    assert r.note is not None and "unit" in r.note


def test_shape_values_need_a_unit_and_factor_must_be_sane() -> None:
    with pytest.raises(ValueError, match="unit"):
        reimbursable_distance(PRENZLAU, TEMPLIN, shape_dist_start=0.0, shape_dist_end=40.0)
    with pytest.raises(ValueError, match="detour_factor"):
        reimbursable_distance(PRENZLAU, TEMPLIN, detour_factor=0.9)
