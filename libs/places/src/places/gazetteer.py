"""The gazetteer: lookups by id, ARS (and ARS areas), name, warn cell and coordinate."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from places.ars import Ars, ArsLevel, area_prefix
from places.distance import haversine_m
from places.loader import GazetteerFileError, parse_geojson, read_geojson
from places.model import Gemeinde, Landkreis, Ortsteil
from places.names import fold_keys


class UnknownPlace(KeyError):
    """No place with that id or ARS in this gazetteer."""


@dataclass(frozen=True, slots=True)
class Hit:
    """An Ortsteil with its straight-line distance in metres from a query point."""

    ortsteil: Ortsteil
    metres: float


class Gazetteer:
    """One district's places. Immutable; build it with `Gazetteer.load(path)` or `demo()`."""

    def __init__(self, landkreis: Landkreis, gemeinden: Iterable[Gemeinde], ortsteile: Iterable[Ortsteil]) -> None:
        self.landkreis = landkreis
        self._gemeinden: dict[str, Gemeinde] = {}
        self._ortsteile: dict[str, Ortsteil] = {}
        kreis = Ars(landkreis.ars)
        if kreis.level is not ArsLevel.KREIS:
            raise GazetteerFileError(f"landkreis.ars {landkreis.ars} is not a Kreis-level key (xxxxx0000000)")
        for g in gemeinden:
            if g.ars in self._gemeinden:
                raise GazetteerFileError(f"Gemeinde ARS {g.ars} ({g.name}) appears twice")
            if not kreis.covers(g.ars) or Ars(g.ars).level is not ArsLevel.GEMEINDE:
                raise GazetteerFileError(
                    f"Gemeinde {g.name}: ARS {g.ars} is not a Gemeinde key inside Kreis {kreis.kreis_key}"
                )
            self._gemeinden[g.ars] = g
        for o in ortsteile:
            if o.id in self._ortsteile:
                raise GazetteerFileError(f"Ortsteil id {o.id} appears twice")
            if o.ars not in self._gemeinden:
                raise GazetteerFileError(f"Ortsteil {o.id}: its Gemeinde ARS {o.ars} is not in the file")
            self._ortsteile[o.id] = o
        self._by_name: dict[str, list[Ortsteil]] = {}
        for o in self._ortsteile.values():
            for key in {k for name in (o.name, *o.aliases) for k in fold_keys(name)}:
                self._by_name.setdefault(key, []).append(o)
        self._gemeinden_by_name: dict[str, list[Gemeinde]] = {}
        for g in self._gemeinden.values():
            for key in {k for name in (g.name, *g.aliases) for k in fold_keys(name)}:
                self._gemeinden_by_name.setdefault(key, []).append(g)
        self._by_warncell: dict[str, list[Gemeinde]] = {}
        for cell in landkreis.warncells:
            self._by_warncell[cell] = list(self._gemeinden.values())
        for g in self._gemeinden.values():
            for cell in g.warncells:
                if g not in self._by_warncell.setdefault(cell, []):
                    self._by_warncell[cell].append(g)

    # -- construction --------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Gazetteer:
        """Read and validate a district file (GeoJSON, see README); raises `GazetteerFileError`."""
        return cls(*read_geojson(path))

    @classmethod
    def from_geojson(cls, doc: object, *, source: str = "<data>") -> Gazetteer:
        return cls(*parse_geojson(doc, source=source))

    # -- collections ---------------------------------------------------------------------------------
    @property
    def gemeinden(self) -> list[Gemeinde]:
        return sorted(self._gemeinden.values(), key=lambda g: g.ars)

    @property
    def ortsteile(self) -> list[Ortsteil]:
        return sorted(self._ortsteile.values(), key=lambda o: o.id)

    @property
    def warncells(self) -> list[str]:
        return sorted(self._by_warncell)

    # -- by id / ARS ---------------------------------------------------------------------------------
    def ortsteil(self, ortsteil_id: str) -> Ortsteil:
        try:
            return self._ortsteile[ortsteil_id]
        except KeyError:
            raise UnknownPlace(ortsteil_id) from None

    def get_ortsteil(self, ortsteil_id: str) -> Ortsteil | None:
        return self._ortsteile.get(ortsteil_id)

    def gemeinde(self, ars: str) -> Gemeinde:
        try:
            return self._gemeinden[ars]
        except KeyError:
            raise UnknownPlace(ars) from None

    def gemeinde_of(self, ortsteil: Ortsteil | str) -> Gemeinde:
        o = self.ortsteil(ortsteil) if isinstance(ortsteil, str) else ortsteil
        return self._gemeinden[o.ars]

    def gemeinden_in(self, area: str) -> list[Gemeinde]:
        """Gemeinden inside an area key: a 12-digit ARS of any level (`120730000000` = the whole Kreis,
        `120735306000` = Amt Gramzow, `120735306225` = Gramzow alone) or a bare prefix of 2, 3, 5 or 9 digits.
        An area outside this district gives an empty list."""
        prefix = area_prefix(area)
        return [g for g in self.gemeinden if g.ars.startswith(prefix)]

    def ortsteile_in(self, area: str) -> list[Ortsteil]:
        """Ortsteile of every Gemeinde inside the area key (see `gemeinden_in`)."""
        prefix = area_prefix(area)
        return [o for o in self.ortsteile if o.ars.startswith(prefix)]

    # -- by name -------------------------------------------------------------------------------------
    def find_ortsteile(self, name: str) -> list[Ortsteil]:
        """Ortsteile whose name or alias equals `name`, ignoring case, umlaut spelling ("ue"/"ü"/"u"),
        "ß"/"ss" and punctuation. Several villages may share a name, so this is a list."""
        found: dict[str, Ortsteil] = {}
        for key in fold_keys(name):
            for o in self._by_name.get(key, ()):
                found[o.id] = o
        return sorted(found.values(), key=lambda o: o.id)

    def find_gemeinden(self, name: str) -> list[Gemeinde]:
        """Gemeinden whose name or alias equals `name` (folded as in `find_ortsteile`)."""
        found: dict[str, Gemeinde] = {}
        for key in fold_keys(name):
            for g in self._gemeinden_by_name.get(key, ()):
                found[g.ars] = g
        return sorted(found.values(), key=lambda g: g.ars)

    def search(self, text: str, limit: int = 10) -> list[Ortsteil]:
        """Type-ahead: Ortsteile whose folded name (or alias, or Gemeinde name) starts with or contains `text`;
        prefix matches first, then alphabetical."""
        queries = fold_keys(text)
        if not queries:
            return []
        scored: list[tuple[int, str, Ortsteil]] = []
        for o in self._ortsteile.values():
            g = self._gemeinden[o.ars]
            keys = {k for n in (o.name, *o.aliases, g.name, *g.aliases) for k in fold_keys(n)}
            if any(k.startswith(q) for k in keys for q in queries):
                scored.append((0, o.name, o))
            elif any(q in k for k in keys for q in queries):
                scored.append((1, o.name, o))
        scored.sort(key=lambda t: (t[0], t[1], t[2].id))
        return [o for _, _, o in scored[:limit]]

    # -- warnings ------------------------------------------------------------------------------------
    def gemeinden_for_warncell(self, warncell_id: str) -> list[Gemeinde]:
        return sorted(self._by_warncell.get(warncell_id.strip(), ()), key=lambda g: g.ars)

    def ortsteile_for_warncell(self, warncell_id: str) -> list[Ortsteil]:
        """The Ortsteile a DWD warning for this WARNCELLID concerns (empty if the cell is not ours)."""
        ars = {g.ars for g in self.gemeinden_for_warncell(warncell_id)}
        return [o for o in self.ortsteile if o.ars in ars]

    def ortsteile_for_alert(self, *, ars: Sequence[str] = (), warncells: Sequence[str] = ()) -> list[Ortsteil]:
        """The union of the Ortsteile concerned by a warning's ARS list (e.g. NINA `warnVerwaltungsbereiche`,
        any level) and its DWD warn cells. Keys of other districts are ignored."""
        found: dict[str, Ortsteil] = {}
        for key in ars:
            for o in self.ortsteile_in(key):
                found[o.id] = o
        for cell in warncells:
            for o in self.ortsteile_for_warncell(cell):
                found[o.id] = o
        return sorted(found.values(), key=lambda o: o.id)

    # -- by coordinate -------------------------------------------------------------------------------
    def nearest(self, lat: float, lon: float) -> Hit:
        """The Ortsteil whose centroid is nearest (straight line) to the point."""
        if not self._ortsteile:
            raise UnknownPlace("the gazetteer has no Ortsteile")
        return min(
            (Hit(o, haversine_m(lat, lon, o.lat, o.lon)) for o in self._ortsteile.values()),
            key=lambda h: (h.metres, h.ortsteil.id),
        )

    def within(self, lat: float, lon: float, radius_m: float) -> list[Hit]:
        """Every Ortsteil whose centroid lies within `radius_m` metres (inclusive), nearest first."""
        if radius_m < 0:
            raise ValueError("radius_m must not be negative")
        hits = [Hit(o, haversine_m(lat, lon, o.lat, o.lon)) for o in self._ortsteile.values()]
        return sorted((h for h in hits if h.metres <= radius_m), key=lambda h: (h.metres, h.ortsteil.id))

    def distance_m(self, a: Ortsteil | str, b: Ortsteil | str) -> float:
        """Straight-line distance between two Ortsteile' centroids, metres."""
        oa = self.ortsteil(a) if isinstance(a, str) else a
        ob = self.ortsteil(b) if isinstance(b, str) else b
        return haversine_m(oa.lat, oa.lon, ob.lat, ob.lon)


DEMO_FILE = "uckermark.geojson"


@functools.cache
def demo() -> Gazetteer:
    """The Uckermark demo gazetteer shipped in the package (`places/data/uckermark.geojson`)."""
    text = resources.files("places").joinpath("data", DEMO_FILE).read_text(encoding="utf-8")
    return Gazetteer.from_geojson(json.loads(text), source=f"places/data/{DEMO_FILE}")
