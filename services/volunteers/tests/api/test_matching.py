"""Scenario 11 through the API: shifts near me that fit my times and languages, ranked with reasons;
remote help regardless of distance; the district's distance mode; coordinators find opted-in volunteers."""

from __future__ import annotations

from volunteers_testkit import DEDELOW, PRENZLAU, SCHWEDT, Volunteers, soon

GRAMZOW = "ot-gramzow-gramzow"  # ~16 km straight, ~21 km by the road rule, from Prenzlau
ALL_DAY = [{"weekday": d, "start": "06:00", "end": "22:00"} for d in range(7)]


async def test_matches_near_me_with_reasons_in_a_stable_order(vol: Volunteers) -> None:
    near = await vol.world(village_id=DEDELOW)
    far = await vol.world(village_id=SCHWEDT)
    phone = await vol.world(village_id=None, remote=True, title="Telefonpatenschaft")
    ukrainian = await vol.world(village_id=PRENZLAU, requirements=["lang:uk:B2"], title="Dolmetschen")
    german = await vol.world(village_id=PRENZLAU, requirements=["lang:de:C1"], title="Behördenbegleitung")
    day = soon(5, hour=14)
    near_a = await vol.shift(near, start=day, hours=2)
    near_b = await vol.shift(near, start=day, hours=2)
    far_shift = await vol.shift(far, start=day, hours=2)
    phone_shift = await vol.shift(phone, start=day, hours=1)
    uk_shift = await vol.shift(ukrainian, start=day, hours=2)
    de_shift = await vol.shift(german, start=day, hours=2)
    outside = await vol.shift(near, start=soon(5, hour=20), hours=2)
    helper = await vol.profile(radius_km=15, languages={"uk": "C2", "de": "B1"},
                               availability=[{"weekday": soon(5).weekday(), "start": "13:00", "end": "18:00"}])

    found = (await vol.http.get("/me/matches", headers=helper.headers)).json()
    ids = [m["shift"]["id"] for m in found]
    assert far_shift["id"] not in ids and de_shift["id"] not in ids and outside["id"] not in ids
    assert set(ids) == {near_a["id"], near_b["id"], phone_shift["id"], uk_shift["id"]}
    assert ids[0] == uk_shift["id"]  # the language it asks for ranks it up
    equal = [i for i in ids if i in (near_a["id"], near_b["id"])]
    assert equal == sorted(equal)  # equal score and start: by id
    assert all(m["reasons"] for m in found)
    assert "remote" in next(m for m in found if m["shift"]["id"] == phone_shift["id"])["reasons"]

    partial = (await vol.http.get("/me/matches?partial=true", headers=helper.headers)).json()
    assert outside["id"] not in [m["shift"]["id"] for m in partial]  # 20:00-22:00 does not touch 13-18


async def test_matches_of_one_category(vol: Volunteers) -> None:
    """A resident who wants to help seniors: only their shifts, still ranked; an unknown category is refused."""
    seniors = await vol.world(village_id=PRENZLAU, category="seniors", title="Besuchsdienst")
    social = await vol.world(village_id=PRENZLAU, category="social")
    visit = await vol.shift(seniors, start=soon(5))
    other = await vol.shift(social, start=soon(5))
    helper = await vol.profile(availability=ALL_DAY)
    everything = (await vol.http.get("/me/matches", headers=helper.headers)).json()
    assert {m["shift"]["id"] for m in everything} == {visit["id"], other["id"]}
    only = (await vol.http.get("/me/matches?category=seniors", headers=helper.headers)).json()
    assert [m["shift"]["id"] for m in only] == [visit["id"]]
    assert (await vol.http.get("/me/matches?category=culture", headers=helper.headers)).json() == []
    refused = await vol.http.get("/me/matches?category=golf", headers=helper.headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "query.category"


async def test_the_distance_mode_is_the_districts_choice(vol: Volunteers) -> None:
    gramzow = await vol.world(village_id=GRAMZOW)
    shift = await vol.shift(gramzow, start=soon(5))
    helper = await vol.profile(radius_km=18, availability=ALL_DAY)
    assert [m["shift"]["id"] for m in (await vol.http.get("/me/matches", headers=helper.headers)).json()] == [
        shift["id"]]
    vol.app.state.settings = vol.settings.model_copy(update={"distance_mode": "road"})
    assert (await vol.http.get("/me/matches", headers=helper.headers)).json() == []


async def test_without_a_home_village_only_remote_and_district_wide_help(vol: Volunteers) -> None:
    near = await vol.world(village_id=PRENZLAU)
    district = await vol.world(village_id=None, district_wide=True, title="Spendenlager")
    await vol.shift(near, start=soon(5))
    wide = await vol.shift(district, start=soon(5))
    helper = await vol.profile(home_village_id=None)
    assert [m["shift"]["id"] for m in (await vol.http.get("/me/matches", headers=helper.headers)).json()] == [
        wide["id"]]


async def test_coordinators_see_fitting_volunteers_who_opted_in_without_contact_data(vol: Volunteers) -> None:
    world = await vol.world(village_id=PRENZLAU, requirements=["first_aid"])
    shift = await vol.shift(world, start=soon(5), capacity=3)
    visible = await vol.profile(visible_to_orgs=True, first_aid=True, home_village_id=DEDELOW)
    await vol.profile(visible_to_orgs=False, first_aid=True)
    await vol.profile(visible_to_orgs=True, first_aid=False)
    await vol.profile(visible_to_orgs=True, first_aid=True, home_village_id=SCHWEDT)
    candidates = (await vol.http.get(f"/shifts/{shift['id']}/candidates", headers=world.coordinator.headers)).json()
    assert [c["person_id"] for c in candidates] == [str(visible.id)]
    assert "contact_email" not in candidates[0] and "@" not in str(candidates)
    assert (await vol.http.get(f"/shifts/{shift['id']}/candidates", headers=visible.headers)).status_code == 404
