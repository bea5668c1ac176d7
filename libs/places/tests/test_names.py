import pytest

from places import demo, fold, fold_keys


@pytest.mark.parametrize("query", ["Angermünde", "Angermuende", "angermunde", "ANGERMÜNDE", "  angermuende "])
def test_umlaut_and_case_folding(query: str) -> None:
    found = demo().find_ortsteile(query)
    assert [o.id for o in found] == ["ot-angermuende-angermuende"]
    assert [x.ars for x in demo().find_gemeinden(query)] == ["120730008008"]


def test_eszett_and_punctuation() -> None:
    assert [o.id for o in demo().find_ortsteile("Polssen")] == ["ot-gramzow-polssen"]
    assert [o.id for o in demo().find_ortsteile("Groß Pinnow")] == ["ot-hohenselchow-gross-pinnow-gross-pinnow"]
    assert [x.name for x in demo().find_gemeinden("schwedt oder")] == ["Schwedt/Oder"]
    assert [x.name for x in demo().find_gemeinden("Hohenselchow Gross-Pinnow")] == ["Hohenselchow-Groß Pinnow"]


def test_aliases() -> None:
    assert [o.id for o in demo().find_ortsteile("Schwedt")] == ["ot-schwedt-schwedt"]
    assert [o.id for o in demo().find_ortsteile("Stolpe (Oder)")] == ["ot-angermuende-stolpe"]


def test_same_name_in_two_gemeinden_is_ambiguous_not_guessed() -> None:
    # Schönfeld is a Gemeinde of Amt Brüssow and an Ortsteil of Tantow.
    assert [o.id for o in demo().find_ortsteile("Schoenfeld")] == ["ot-tantow-schoenfeld"]
    assert [x.ars for x in demo().find_gemeinden("Schönfeld")] == ["120735303520"]


def test_unknown_name() -> None:
    assert demo().find_ortsteile("Atlantis") == []
    assert demo().find_ortsteile("") == []


def test_search_prefix_first() -> None:
    hits = demo().search("neu")
    assert hits[0].name.startswith("Neu")
    assert {o.id for o in demo().search("schwedt", limit=20)} >= {"ot-schwedt-schwedt", "ot-schwedt-vierraden"}


def test_fold() -> None:
    assert fold("Angermünde") == "angermuende"
    assert fold("Gartz (Oder)") == "gartz oder"
    assert fold_keys("Mürow") == {"muerow", "murow"}
