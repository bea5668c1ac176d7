"""Scenario 10: qualification gates at sign-up — the certificate for work with children (declared, seen by
this organisation, by another, by the district with consent, too old), driving, age; no document upload."""

from __future__ import annotations

from datetime import date

from volunteers_testkit import PRENZLAU, Volunteers, soon

YOUNG_YEARS_AGO = date.today().year


async def test_a_declared_certificate_holds_a_place_until_the_organisation_has_seen_it(vol: Volunteers) -> None:
    youth = await vol.world(requirements=["efz"], category="children")
    shift = await vol.shift(youth, start=soon(5))
    helper = await vol.profile()
    declared = {"certificate_date": "2026-01-05", "inspected_on": "2026-01-20", "no_exclusion": True}
    assert (await vol.http.put("/me/certificate", json=declared, headers=helper.headers)).status_code == 204
    requested = await vol.sign_up(shift["id"], helper)
    assert requested.status_code == 201 and requested.json()["state"] == "requested"

    # The organisation sees it and records that (only date and yes/no): the next sign-up is confirmed.
    seen = await vol.http.put(f"/organisations/{youth.organisation_id}/volunteers/{helper.id}/certificate-inspection",
                              json=declared, headers=youth.coordinator.headers)
    assert seen.status_code == 204
    second = await vol.shift(youth, start=soon(9))
    assert (await vol.sign_up(second["id"], helper)).json()["state"] == "confirmed"

    # Another organisation cannot rely on this organisation's inspection.
    other = await vol.world(requirements=["efz"], category="children")
    elsewhere = await vol.shift(other, start=soon(6))
    assert (await vol.sign_up(elsewhere["id"], helper)).json()["state"] == "requested"


async def test_district_inspections_count_everywhere_only_with_consent_and_for_five_years(vol: Volunteers) -> None:
    youth = await vol.world(requirements=["efz"], category="children")
    shift = await vol.shift(youth, start=soon(5))
    staff = vol.staff()
    old, shared = await vol.profile(), await vol.profile()
    too_old = {"certificate_date": "2021-06-01", "inspected_on": f"{YOUNG_YEARS_AGO - 6}-06-15", "no_exclusion": True,
               "share_consent": True}
    assert (await vol.http.put(f"/admin/volunteers/{old.id}/certificate-inspection", json=too_old,
                               headers=staff.headers)).status_code == 204
    refused = await vol.sign_up(shift["id"], old)
    assert refused.status_code == 422 and refused.json()["reasons"] == ["efz_outdated"]
    fresh = {"certificate_date": "2026-01-05", "inspected_on": "2026-01-20", "no_exclusion": True,
             "share_consent": True}
    assert (await vol.http.put(f"/admin/volunteers/{shared.id}/certificate-inspection", json=fresh,
                               headers=staff.headers)).status_code == 204
    assert (await vol.sign_up(shift["id"], shared)).json()["state"] == "confirmed"
    # Residents cannot record district inspections.
    assert (await vol.http.put(f"/admin/volunteers/{shared.id}/certificate-inspection", json=fresh,
                               headers=shared.headers)).status_code == 403


async def test_the_certificate_itself_is_never_accepted(vol: Volunteers) -> None:
    helper = await vol.profile()
    with_scan = {"certificate_date": "2026-01-05", "inspected_on": "2026-01-20", "no_exclusion": True,
                 "document": "JVBERi0xLjQKJcOkw7zDtsOf"}
    refused = await vol.http.put("/me/certificate", json=with_scan, headers=helper.headers)
    assert refused.status_code == 422
    upload = await vol.http.put("/me/certificate", files={"file": ("efz.pdf", b"%PDF-1.4", "application/pdf")},
                                headers=helper.headers)
    assert upload.status_code in (415, 422)
    export = (await vol.http.get("/me/profile", headers=helper.headers)).text
    assert "JVBERi0" not in export


async def test_driving_needs_licence_car_and_full_age_and_nobody_under_sixteen(vol: Volunteers) -> None:
    rides = await vol.world(requirements=["licence:B", "own_car"], category="seniors")
    shift = await vol.shift(rides, start=soon(5))
    seventeen = await vol.profile(birth_year=YOUNG_YEARS_AGO - 17, licence_classes=["B"], own_car=True)
    no_car = await vol.profile(licence_classes=["B"])
    driver = await vol.profile(licence_classes=["B"], own_car=True)
    answer = await vol.sign_up(shift["id"], seventeen)
    assert answer.status_code == 422 and answer.json()["code"] == "NOT_ELIGIBLE"
    assert answer.json()["reasons"] == ["age_below:18"]
    assert (await vol.sign_up(shift["id"], no_car)).json()["reasons"] == ["own_car_missing"]
    assert (await vol.sign_up(shift["id"], driver)).json()["state"] == "confirmed"

    plain = await vol.world()
    other = await vol.shift(plain, start=soon(5))
    fifteen = await vol.profile(birth_year=YOUNG_YEARS_AGO - 15)
    assert (await vol.sign_up(other["id"], fifteen)).json()["reasons"] == ["age_below:16"]


async def test_an_opportunity_names_each_requirement_once_and_one_level_per_language(vol: Volunteers) -> None:
    """The search's SQL finds a requirement in the opportunity's list once: a repeated one, or two levels of
    one language, is refused with the field; different languages are fine."""
    organisation_id, admin = await vol.organisation()
    for requirements in (["first_aid", "first_aid"], ["lang:de:B1", "lang:de:C1"]):
        response = await vol.http.post(f"/organisations/{organisation_id}/opportunities", headers=admin.headers,
                                       json={"title": "Tafel", "category": "social", "village_id": PRENZLAU,
                                             "requirements": requirements})
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["body.requirements"]
    response = await vol.http.post(f"/organisations/{organisation_id}/opportunities", headers=admin.headers,
                                   json={"title": "Tafel", "category": "social", "village_id": PRENZLAU,
                                         "requirements": ["lang:de:B1", "lang:uk:A2", "skill:garden"]})
    assert response.status_code == 201, response.text
