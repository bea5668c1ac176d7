import pytest

from places import Ars, ArsLevel, InvalidArs, area_prefix, demo


def test_parts_of_a_gemeinde_key() -> None:
    gramzow = Ars("120735306225")
    assert (gramzow.land, gramzow.regierungsbezirk, gramzow.kreis) == ("12", "0", "73")
    assert (gramzow.gemeindeverband, gramzow.gemeinde) == ("5306", "225")
    assert gramzow.kreis_key == "12073"
    assert gramzow.ags == "12073225"
    assert gramzow.kreis_ars == "120730000000"
    assert gramzow.level is ArsLevel.GEMEINDE


def test_amtsfreie_gemeinde_repeats_its_number_in_the_verband_part() -> None:
    prenzlau = Ars("120730452452")
    assert prenzlau.gemeindeverband == "0452"
    assert prenzlau.gemeinde == "452"


@pytest.mark.parametrize(
    ("key", "level", "prefix"),
    [
        ("120000000000", ArsLevel.LAND, "12"),
        ("091000000000", ArsLevel.REGIERUNGSBEZIRK, "091"),
        ("120730000000", ArsLevel.KREIS, "12073"),
        ("130030000000", ArsLevel.KREIS, "13003"),  # kreisfreie Stadt Rostock
        ("120735306000", ArsLevel.GEMEINDEVERBAND, "120735306"),
        ("120735306225", ArsLevel.GEMEINDE, "120735306225"),
    ],
)
def test_levels_and_prefixes(key: str, level: ArsLevel, prefix: str) -> None:
    assert Ars(key).level is level
    assert Ars(key).prefix == prefix


def test_covers() -> None:
    kreis = Ars("120730000000")
    assert kreis.covers("120730452452")
    assert kreis.covers("120735306225")
    assert not kreis.covers("120600052052")  # Eberswalde, Barnim
    assert Ars("120000000000").covers("120600052052")
    assert Ars("120735306000").covers("120735306225")
    assert not Ars("120735306000").covers("120735305201")  # Gerswalde is in Amt Gerswalde
    assert not Ars("120735306225").covers("120735306261")


@pytest.mark.parametrize("bad", ["12073", "1207300000000", "12073000000x", "", "12 073 0000 000"])
def test_malformed_keys_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidArs):
        Ars(bad)


def test_area_prefix_accepts_bare_prefixes() -> None:
    assert area_prefix("12073") == "12073"
    assert area_prefix("120735306") == "120735306"
    assert area_prefix("120730000000") == "12073"
    with pytest.raises(InvalidArs):
        area_prefix("1207")


def test_kreis_key_covers_every_gemeinde_of_the_demo() -> None:
    g = demo()
    assert g.landkreis.ars == "120730000000"
    assert len(g.gemeinden) == 30
    assert g.gemeinden_in("120730000000") == g.gemeinden
    assert g.ortsteile_in("120730000000") == g.ortsteile
    assert g.gemeinden_in("12073") == g.gemeinden


def test_amt_key_covers_its_member_gemeinden() -> None:
    g = demo()
    amt_gramzow = {x.name for x in g.gemeinden_in("120735306000")}
    assert amt_gramzow == {"Gramzow", "Grünow", "Oberuckersee", "Randowtal", "Uckerfelde", "Zichow"}
    assert {o.id for o in g.ortsteile_in("120735306000")} == {"ot-gramzow-gramzow", "ot-gramzow-polssen"}


def test_every_demo_gemeinde_key_is_a_gemeinde_key_of_kreis_12073() -> None:
    for gemeinde in demo().gemeinden:
        ars = Ars(gemeinde.ars)
        assert ars.kreis_key == "12073"
        assert ars.level is ArsLevel.GEMEINDE


def test_keys_of_other_districts_match_nothing() -> None:
    # The first ARS of `warnVerwaltungsbereiche` in shared/fixtures/alerts/nina-warning-mowas-cancel.json (Kassel).
    assert demo().ortsteile_in("066340000000") == []
    assert demo().ortsteile_for_alert(ars=["066340000000", "066320000000"]) == []
