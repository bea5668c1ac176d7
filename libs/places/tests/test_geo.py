import math

import pytest

from places import demo, haversine_m

# Bounding box around the Uckermark (Land Brandenburg's north-east corner): from the Oder near Stolpe
# (~52.93 N) to the Mecklenburg border north of Uckerland (~53.56 N), from west of Lychen (~13.1 E) to the
# Oder at Mescherin (~14.44 E). A little margin on each side.
LAT_MIN, LAT_MAX, LON_MIN, LON_MAX = 52.88, 53.62, 13.05, 14.50


def equirectangular_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The hand method: 111.195 km per degree of latitude, times cos(mean latitude) for longitude."""
    k = 6_371_008.8 * math.pi / 180
    dy = (lat2 - lat1) * k
    dx = (lon2 - lon1) * k * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


def test_every_ortsteil_lies_in_the_uckermark_and_has_a_unique_id() -> None:
    ortsteile = demo().ortsteile
    assert len(ortsteile) >= 50
    assert len({o.id for o in ortsteile}) == len(ortsteile)
    for o in ortsteile:
        assert LAT_MIN <= o.lat <= LAT_MAX, o
        assert LON_MIN <= o.lon <= LON_MAX, o
        assert o.id.startswith("ot-")


def test_every_gemeinde_has_the_kreis_warncell() -> None:
    for gemeinde in demo().gemeinden:
        assert "112073000" in gemeinde.warncells


def test_haversine_against_hand_computed_values() -> None:
    # One degree of latitude on the mean-radius sphere: 2*pi*R/360 = 111 195 m.
    assert haversine_m(53.0, 14.0, 54.0, 14.0) == pytest.approx(111_195, abs=1)
    assert haversine_m(53.0, 14.0, 53.0, 14.0) == 0.0
    # Angermünde, Markt -> Kerkow, Kita (GTFS stops): 0.018559 deg N = 2063.7 m, 0.003967 deg W at 53.03 N
    # = 265.4 m; hypot = 2080.7 m. Over 2 km the flat-earth hand method agrees to far better than 0.1 %.
    g = demo()
    d = g.distance_m("ot-angermuende-angermuende", "ot-angermuende-kerkow")
    assert d == pytest.approx(2080.7, rel=1e-3)


def test_prenzlau_templin() -> None:
    # Town centres 53.3163 N 13.8628 E and 53.1180 N 13.5026 E: 0.198 deg N = 22.0 km, 0.360 deg E at 53.2 N
    # = 24.0 km, so about 32.6 km straight-line (the road via the B109 is longer, roughly 40 km).
    # The centroids are "approx" (about +-1 km each), hence +-2 km around the hand value.
    d = demo().distance_m("ot-prenzlau-prenzlau", "ot-templin-templin")
    assert 30_500 <= d <= 34_700
    p, t = demo().ortsteil("ot-prenzlau-prenzlau"), demo().ortsteil("ot-templin-templin")
    assert d == pytest.approx(equirectangular_m(p.lat, p.lon, t.lat, t.lon), rel=2e-3)


def test_nearest() -> None:
    g = demo()
    # Angermünde station (GTFS de:12073:900340004::1) is nearest to the Angermünde centroid (its Markt stop),
    # about 550 m away.
    hit = g.nearest(53.015514, 13.997178)
    assert hit.ortsteil.id == "ot-angermuende-angermuende"
    assert hit.metres == pytest.approx(equirectangular_m(53.015514, 13.997178, 53.018898, 14.003795), rel=1e-3)
    assert 500 < hit.metres < 600
    # Exactly on a centroid.
    assert g.nearest(53.20454, 14.306522).ortsteil.id == "ot-hohenselchow-gross-pinnow-heinrichshof"


def test_within_radius_is_sorted_and_inclusive() -> None:
    g = demo()
    centre = g.ortsteil("ot-angermuende-angermuende")
    kerkow = g.distance_m(centre, "ot-angermuende-kerkow")
    hits = g.within(centre.lat, centre.lon, kerkow)  # exactly Kerkow's distance: inclusive
    assert [h.ortsteil.id for h in hits] == ["ot-angermuende-angermuende", "ot-angermuende-kerkow"]
    hits5 = g.within(centre.lat, centre.lon, 5_000)
    assert [h.metres for h in hits5] == sorted(h.metres for h in hits5)
    assert all(h.metres <= 5_000 for h in hits5)
    assert {h.ortsteil.id for h in hits5} >= {"ot-angermuende-muerow", "ot-angermuende-herzsprung"}
    assert "ot-angermuende-greiffenberg" not in {h.ortsteil.id for h in hits5}  # ~8 km north-west
    assert g.within(centre.lat, centre.lon, 0)[0].ortsteil == centre
    with pytest.raises(ValueError):
        g.within(centre.lat, centre.lon, -1)


def test_bad_coordinates_are_rejected() -> None:
    with pytest.raises(ValueError):
        haversine_m(91.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        haversine_m(float("nan"), 0.0, 0.0, 0.0)
