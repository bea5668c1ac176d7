import copy
import json
from pathlib import Path
from typing import Any

import pytest

from places import Gazetteer, GazetteerFileError

# A tiny made-up district in Landkreis Barnim (Kreis key 12060) with one amtsfreie Gemeinde.
SMALL: dict[str, Any] = {
    "type": "FeatureCollection",
    "landkreis": {"ars": "120600000000", "name": "Barnim", "warncells": ["112060000"]},
    "features": [
        {
            "type": "Feature",
            "geometry": None,
            "properties": {"kind": "gemeinde", "ars": "120600052052", "name": "Eberswalde", "warncells": ["112060000"]},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [13.8167, 52.8333]},
            "properties": {"kind": "ortsteil", "id": "ot-eberswalde-finow", "name": "Finow", "ars": "120600052052"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [13.8208, 52.8331, 40.0]},
            "properties": {
                "kind": "ortsteil",
                "id": "ot-eberswalde-eberswalde",
                "name": "Eberswalde",
                "ars": "120600052052",
                "aliases": ["Spreeathen des Nordens"],
            },
        },
    ],
}


def write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "district.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_loads_a_custom_district(tmp_path: Path) -> None:
    g = Gazetteer.load(write(tmp_path, SMALL))
    assert g.landkreis.name == "Barnim"
    assert [o.id for o in g.ortsteile] == ["ot-eberswalde-eberswalde", "ot-eberswalde-finow"]
    assert g.ortsteil("ot-eberswalde-finow").lat == 52.8333
    assert [o.id for o in g.ortsteile_in("120600000000")] == ["ot-eberswalde-eberswalde", "ot-eberswalde-finow"]
    assert g.ortsteile_for_warncell("112060000") == g.ortsteile
    assert g.nearest(52.83, 13.82).ortsteil.id == "ot-eberswalde-eberswalde"
    assert [o.id for o in g.find_ortsteile("spreeathen des nordens")] == ["ot-eberswalde-eberswalde"]


def props(index: int, **changes: Any) -> Any:
    return lambda d: d["features"][index]["properties"].update(changes)


def coords(value: Any) -> Any:
    return lambda d: d["features"][1]["geometry"].update(coordinates=value)


def broken(mutate: Any) -> dict[str, Any]:
    doc = copy.deepcopy(SMALL)
    mutate(doc)
    return doc


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (props(1, ars="12060005205"), r"feature 1 \(ot-eberswalde-finow\).*properties\.ars.*12 digits"),
        (props(1, id="Finow"), r"feature 1 \(Finow\).*properties\.id"),
        (lambda d: d["features"][1]["properties"].pop("name"), r"feature 1 .*properties\.name.*[Ff]ield required"),
        (lambda d: d["features"][1].update(geometry=None), r"feature 1 .*geometry.*Point"),
        (coords([13.8, 152.8]), r"feature 1 .*coordinates\[1\] \(lat\)"),
        (coords(["13.8", "52.8"]), r"feature 1 .*coordinates"),
        (props(0, kind="dorf"), r"feature 0 \(120600052052\).*properties\.kind"),
        (props(0, warncells=["11206"]), r"feature 0 .*properties\.warncells\.0.*9 digits"),
        (props(1, colour="blue"), r"feature 1 .*properties\.colour.*[Ee]xtra"),
        (lambda d: d.pop("landkreis"), r"landkreis"),
        (lambda d: d["landkreis"].update(ars="12060"), r"landkreis\.ars"),
        (lambda d: d.update(type="Feature"), r"FeatureCollection"),
    ],
)
def test_bad_files_name_the_feature_and_field(tmp_path: Path, mutate: Any, expected: str) -> None:
    path = write(tmp_path, broken(mutate))
    with pytest.raises(GazetteerFileError, match=expected) as info:
        Gazetteer.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["features"].append(copy.deepcopy(d["features"][1])), r"ot-eberswalde-finow appears twice"),
        (props(1, ars="120600020020"), r"ot-eberswalde-finow.*120600020020 is not in the file"),
        (props(0, ars="120730452452"), r"not a Gemeinde key inside Kreis 12060"),
        (lambda d: d["landkreis"].update(ars="120605005000"), r"not a Kreis-level key"),
    ],
)
def test_inconsistent_files_are_rejected(tmp_path: Path, mutate: Any, expected: str) -> None:
    with pytest.raises(GazetteerFileError, match=expected):
        Gazetteer.load(write(tmp_path, broken(mutate)))


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "FeatureCollection",\n  "features": [,]}', encoding="utf-8")
    with pytest.raises(GazetteerFileError, match=r"not valid JSON \(line 2"):
        Gazetteer.load(path)


def test_demo_file_round_trips_through_the_public_loader() -> None:
    from importlib import resources

    path = resources.files("places").joinpath("data", "uckermark.geojson")
    g = Gazetteer.load(Path(str(path)))
    assert g.ortsteil("ot-prenzlau-dedelow").name == "Dedelow"
    assert g.gemeinde_of("ot-prenzlau-dedelow").ars == "120730452452"
