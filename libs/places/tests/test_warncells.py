from places import demo


def test_kreis_cell_concerns_every_ortsteil() -> None:
    g = demo()
    assert g.landkreis.warncells == ("112073000",)
    assert g.ortsteile_for_warncell("112073000") == g.ortsteile
    assert len(g.gemeinden_for_warncell("112073000")) == 30


def test_gemeinde_cell_concerns_only_that_gemeinde() -> None:
    g = demo()
    # Gemeinde cells are '8' + AGS (derived, see README): Angermünde AGS 12073008.
    assert [x.name for x in g.gemeinden_for_warncell("812073008")] == ["Angermünde"]
    ids = {o.id for o in g.ortsteile_for_warncell("812073008")}
    assert "ot-angermuende-greiffenberg" in ids
    assert all(i.startswith("ot-angermuende-") for i in ids)
    assert {o.id for o in g.ortsteile_for_warncell("812073225")} == {"ot-gramzow-gramzow", "ot-gramzow-polssen"}


def test_foreign_cell_concerns_nothing() -> None:
    # The WARNCELLID of shared/fixtures/alerts/dwd-cap-update.xml (Landkreis Görlitz, Saxony).
    assert demo().ortsteile_for_warncell("814626190") == []


def test_alert_union_of_ars_and_cells() -> None:
    g = demo()
    found = g.ortsteile_for_alert(ars=["120735304393"], warncells=["812073565", "814626190"])  # Mescherin, Tantow
    assert {o.ars for o in found} == {"120735304393", "120735304565"}
    assert "ot-mescherin-radekow" in {o.id for o in found}
    assert "ot-tantow-damitzow" in {o.id for o in found}
    # Amt Gartz (Verband 5304) as a 12-digit area key: all five member Gemeinden.
    amt = g.ortsteile_for_alert(ars=["120735304000"])
    assert {g.gemeinde_of(o).name for o in amt} == {
        "Casekow",
        "Gartz (Oder)",
        "Hohenselchow-Groß Pinnow",
        "Mescherin",
        "Tantow",
    }
