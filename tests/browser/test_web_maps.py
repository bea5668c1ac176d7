"""Fast checks of the pages' small SVG maps (web.maps): the projection the warnings and volunteering maps
share, and what the find page's map of open shifts makes of the volunteers service's `/map`."""

from __future__ import annotations

import pytest

# Importing web builds the pages, which import the gateway's browser contract.
pytest.importorskip("gateway.browser", reason="gateway/src/gateway/browser.py is not there")

from web.alerts.map import district_map  # noqa: E402
from web.maps import WIDTH, district_projection  # noqa: E402
from web.volunteers.map import SPOT_RADIUS, SPOT_RADIUS_MAX, help_map, spot_radius  # noqa: E402

# Three Uckermark villages (rounded): Prenzlau in the north, Angermünde in the south-east, Templin west.
PRENZLAU = {"id": "prenzlau", "name": "Prenzlau", "lat": 53.316, "lon": 13.863}
ANGERMUENDE = {"id": "angermuende", "name": "Angermünde", "lat": 53.015, "lon": 13.997}
TEMPLIN = {"id": "templin", "name": "Templin", "lat": 53.119, "lon": 13.502}
VILLAGES = [PRENZLAU, ANGERMUENDE, TEMPLIN]


def test_the_projection_puts_the_villages_inside_the_box_north_up_west_left() -> None:
    box = district_projection(VILLAGES)
    assert box is not None and box.width == WIDTH
    points = {v["name"]: box.xy(v["lat"], v["lon"]) for v in VILLAGES}
    for x, y in points.values():
        assert 0 < x < box.width and 0 < y < box.height
    assert points["Prenzlau"][1] < points["Templin"][1] < points["Angermünde"][1]  # north is up
    assert points["Templin"][0] < points["Prenzlau"][0] < points["Angermünde"][0]  # west is left
    # Corrected for latitude: a kilometre east is as long on the map as a kilometre north.
    here_x, here_y = box.xy(53.2, 13.8)
    _, south_y = box.xy(53.2 - 10 / 111.2, 13.8)
    east_x, _ = box.xy(53.2, 13.8 + 10 / (111.2 * box.squeeze))
    assert abs((south_y - here_y) - (east_x - here_x)) < 0.2
    assert abs(box.length(10) - (south_y - here_y)) < 0.2
    assert district_projection([]) is None


def test_the_warnings_map_draws_its_areas_with_the_shared_projection() -> None:
    warning = {"severity": "Severe", "area": {"polygons": [[[[53.1, 13.8], [53.2, 13.9], [53.1, 13.9]]]],
                                              "circles": [[53.1, 13.8, 5.0]]}}
    drawn = district_map(VILLAGES, [warning])
    box = district_projection(VILLAGES)
    assert drawn is not None and box is not None
    assert (drawn.width, drawn.height) == (box.width, box.height)
    assert [(d.x, d.y, d.name) for d in drawn.dots] == [(*box.xy(v["lat"], v["lon"]), v["name"]) for v in VILLAGES]
    polygon, circle = drawn.shapes
    assert polygon.points.split(" ")[0] == "{},{}".format(*box.xy(53.1, 13.8))
    assert (circle.cx, circle.cy, circle.r) == (*box.xy(53.1, 13.8), box.length(5.0))
    assert district_map([], [warning]) is None


def _point(village: dict[str, object], count: int) -> dict[str, object]:
    return {"village_id": village["id"], "village": village["name"], "lat": village["lat"], "lon": village["lon"],
            "open_shifts": count}


def test_the_help_map_lists_villages_with_open_shifts_most_first_and_rings_home() -> None:
    drawn = help_map(VILLAGES, [_point(TEMPLIN, 1), _point(ANGERMUENDE, 3), _point(PRENZLAU, 3)], "templin")
    assert drawn is not None
    assert [(s.name, s.count, s.home) for s in drawn.spots] == [
        ("Angermünde", 3, False), ("Prenzlau", 3, False), ("Templin", 1, True)]
    assert drawn.home is not None and drawn.home.name == "Templin"
    templin = drawn.spots[2]
    assert (drawn.home.x, drawn.home.y) == (templin.x, templin.y)
    assert drawn.home_ring > templin.r  # around its circle, not under it
    assert len(drawn.villages) == 3


def test_the_help_map_without_home_or_open_shifts() -> None:
    quiet = help_map(VILLAGES, [], None)
    assert quiet is not None and quiet.spots == [] and quiet.home is None
    # A home village without open shifts is ringed all the same.
    home_only = help_map(VILLAGES, [_point(PRENZLAU, 2)], "angermuende")
    assert home_only is not None and home_only.home is not None and home_only.home.name == "Angermünde"
    assert not home_only.spots[0].home
    assert help_map([], [], "angermuende") is None


def test_a_spot_grows_with_its_open_shifts_up_to_a_cap() -> None:
    assert spot_radius(1) == SPOT_RADIUS
    assert spot_radius(1) < spot_radius(2) < spot_radius(5) <= SPOT_RADIUS_MAX
    assert spot_radius(500) == SPOT_RADIUS_MAX
