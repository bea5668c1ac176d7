"""The main path end to end: a club registers, is verified, publishes a shift; a volunteer signs up."""

from __future__ import annotations

from volunteers_testkit import Volunteers, soon


async def test_a_verified_club_publishes_and_a_volunteer_signs_up(vol: Volunteers) -> None:
    world = await vol.world()
    shift = await vol.shift(world, start=soon(3), capacity=2)
    helper = await vol.profile()
    response = await vol.sign_up(shift["id"], helper)
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "confirmed"
    mine = (await vol.http.get("/me/signups", headers=helper.headers)).json()
    assert [s["shift_id"] for s in mine] == [shift["id"]]
    assert len(await vol.notifications("signup_confirmed", helper.id)) == 1
