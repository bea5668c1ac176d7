"""Fast checks beside the browser tests: the profile's times grid (web.volunteers.availability) turns
ticked parts of days into the service's availability windows and back, joining neighbouring parts."""

from __future__ import annotations

import pytest

pytest.importorskip("gateway.browser", reason="gateway/src/gateway/browser.py is not there")

from web.volunteers.availability import grid_of, is_grid, windows_of  # noqa: E402


def test_neighbouring_parts_of_a_day_become_one_window() -> None:
    assert windows_of(["1-morning", "1-afternoon", "1-evening", "3-morning", "3-evening"]) == [
        {"weekday": 1, "start": "06:00", "end": "22:00"},
        {"weekday": 3, "start": "06:00", "end": "12:00"},
        {"weekday": 3, "start": "17:00", "end": "22:00"},
    ]
    assert windows_of([]) == []  # nothing ticked: any time
    assert windows_of(["7-morning", "1-night", "x-morning", "1-"]) == []  # not from our form: ignored


def test_the_grid_shows_what_lies_wholly_inside_a_window() -> None:
    windows = windows_of(["0-afternoon", "0-evening", "5-morning"])
    assert grid_of(windows) == {"0-afternoon", "0-evening", "5-morning"}
    assert is_grid(windows)
    finer = [{"weekday": 2, "start": "08:00", "end": "20:00"}]
    assert grid_of(finer) == {"2-afternoon"}
    assert not is_grid(finer)  # the page says so, and keeps them unless the grid is changed
