from __future__ import annotations

from datetime import date

from mobility_testkit import Mobility


async def test_segment_capacity(mobility: Mobility) -> None:
    await mobility.line()
    driver, vehicle = await mobility.driver(seats=3)
    await mobility.offer(driver, vehicle, one_off=date(2026, 6, 2))
    a = await mobility.book(mobility.person(), day=date(2026, 6, 2), origin="prenzlau", destination="polssen", party=2)
    assert a.status_code == 201, a.text
    assert a.json()["state"] == "matched_private"
