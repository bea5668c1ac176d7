"""The data model: Landkreis → Gemeinden (ARS) → Ortsteile (stable ids, centroid), plus DWD warn cells."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from places.ars import Ars

_ORTSTEIL_ID = re.compile(r"^ot-[a-z0-9]+(?:-[a-z0-9]+)*$")
_WARNCELL = re.compile(r"^[0-9]{9}$")


def _valid_ars(value: str) -> str:
    Ars(value)  # raises InvalidArs (a ValueError) with a clear message
    return value


def _valid_id(value: str) -> str:
    if not _ORTSTEIL_ID.match(value):
        raise ValueError("an Ortsteil id looks like 'ot-prenzlau-dedelow': 'ot-', then lowercase a-z, 0-9 and '-'")
    return value


def _valid_warncell(value: str) -> str:
    if not _WARNCELL.match(value):
        raise ValueError(f"a DWD warn cell id is 9 digits (e.g. '112073000'), got {value!r}")
    return value


ArsStr = Annotated[str, AfterValidator(_valid_ars)]
OrtsteilId = Annotated[str, AfterValidator(_valid_id)]
WarncellId = Annotated[str, AfterValidator(_valid_warncell)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Landkreis(_Frozen):
    ars: ArsStr
    name: Name
    #: Warn cells covering the whole Kreis (the Kreis-level DWD cell, `1` + 5-digit Kreis key + `000`).
    warncells: tuple[WarncellId, ...] = ()


class Gemeinde(_Frozen):
    ars: ArsStr
    name: Name
    aliases: tuple[Name, ...] = ()
    #: Every DWD warn cell that covers (part of) this Gemeinde, the Kreis cell included.
    warncells: tuple[WarncellId, ...] = ()


class Ortsteil(_Frozen):
    id: OrtsteilId
    name: Name
    #: The ARS of the Gemeinde it belongs to.
    ars: ArsStr
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    aliases: tuple[Name, ...] = ()
    #: Where the coordinate comes from (e.g. `gtfs:<stop_id>` or `approx`); informational.
    source: str | None = None
