"""The Amtlicher Regionalschlüssel (ARS): 12 digits = Land (2), Regierungsbezirk (1), Kreis (2),
Gemeindeverband (4), Gemeinde (3).

An area key names a whole level by filling the lower parts with zeros: `120000000000` is the Land
Brandenburg, `120730000000` the Kreis Uckermark (what NINA's dashboard takes), `120735306000` the Amt Gramzow.
A Gemeinde's own key has a non-zero Gemeinde part (`120735306225` Gramzow). In Brandenburg an amtsfreie
Gemeinde repeats its Gemeinde number in the Verband part (`120730452452` Prenzlau); the Gemeinden of an Amt
share the Amt's Verband code (`5306` for Amt Gramzow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_ARS = re.compile(r"^[0-9]{12}$")
#: Lengths of the meaningful prefixes: Land, Regierungsbezirk, Kreis, Gemeindeverband, Gemeinde.
PREFIX_LENGTHS = (2, 3, 5, 9, 12)


class ArsLevel(StrEnum):
    LAND = "land"
    REGIERUNGSBEZIRK = "regierungsbezirk"
    KREIS = "kreis"
    GEMEINDEVERBAND = "gemeindeverband"
    GEMEINDE = "gemeinde"


class InvalidArs(ValueError):
    """Not a well-formed ARS or ARS prefix."""


@dataclass(frozen=True, slots=True)
class Ars:
    """A parsed 12-digit ARS."""

    value: str

    def __post_init__(self) -> None:
        if not _ARS.match(self.value):
            raise InvalidArs(f"ARS must be exactly 12 digits, got {self.value!r}")

    @property
    def land(self) -> str:
        return self.value[0:2]

    @property
    def regierungsbezirk(self) -> str:
        return self.value[2:3]

    @property
    def kreis(self) -> str:
        """The 2-digit Kreis part; see `kreis_key` for the 5-digit key."""
        return self.value[3:5]

    @property
    def gemeindeverband(self) -> str:
        return self.value[5:9]

    @property
    def gemeinde(self) -> str:
        return self.value[9:12]

    @property
    def kreis_key(self) -> str:
        """Land + Regierungsbezirk + Kreis, e.g. `12073` for the Uckermark."""
        return self.value[0:5]

    @property
    def ags(self) -> str:
        """The 8-digit Amtlicher Gemeindeschlüssel (the ARS without the Verband part)."""
        return self.value[0:5] + self.value[9:12]

    @property
    def kreis_ars(self) -> str:
        """The Kreis-level ARS (`xxxxx0000000`), the only level NINA's dashboard accepts."""
        return self.value[0:5] + "0000000"

    @property
    def level(self) -> ArsLevel:
        """The level this key names (lower parts zero means "the whole of the higher unit")."""
        if self.gemeinde != "000":
            return ArsLevel.GEMEINDE
        if self.gemeindeverband != "0000":
            return ArsLevel.GEMEINDEVERBAND
        if self.kreis != "00":
            return ArsLevel.KREIS
        if self.regierungsbezirk != "0":
            return ArsLevel.REGIERUNGSBEZIRK
        return ArsLevel.LAND

    @property
    def prefix(self) -> str:
        """The significant prefix: the digits an area key shares with every Gemeinde inside it."""
        return self.value[: PREFIX_LENGTHS[list(ArsLevel).index(self.level)]]

    def covers(self, other: str | Ars) -> bool:
        """Whether the area named by this key contains `other` (a Gemeinde or a smaller area)."""
        target = other if isinstance(other, Ars) else Ars(other)
        return target.value.startswith(self.prefix)

    def __str__(self) -> str:
        return self.value


def area_prefix(key: str) -> str:
    """The significant prefix of an area key given as 12 digits (zero-filled) or as a bare prefix of
    2, 3, 5 or 9 digits (`12073`, or the 9-digit Verbandsschlüssel `120735306`)."""
    key = key.strip()
    if len(key) == 12:
        return Ars(key).prefix
    if len(key) in PREFIX_LENGTHS[:-1] and key.isdigit():
        return key
    raise InvalidArs(f"an ARS is 12 digits, or a prefix of 2, 3, 5 or 9 digits; got {key!r}")
