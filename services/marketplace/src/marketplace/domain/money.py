"""Money in integer euro cents, gross (B2C prices include VAT), and the German price rules.

- A line's gross is exact: unit gross × quantity, or for variable-weight goods the price per kilogram
  × the weight, rounded half-up to the cent.
- VAT is extracted once per rate per merchant order (the invoice), half-up; the gross is never changed by
  rounding, so net = gross − VAT for each rate group (§14 Abs. 4 Nr. 7 UStG: shown per rate).
- Pfand (deposit) is its own line beside the price, taxed at the goods' rate, and never part of the
  Grundpreis (§7 PAngV).
- The Grundpreis is stated per 1 kg or 1 l (PAngV since 28.05.2022), from the price without Pfand; it is
  not shown when it equals the total price or the quantity is under 10 g/ml.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

VAT_RATES = (0, 7, 19)


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vat_included(gross_cents: int, rate_percent: int) -> int:
    """The VAT contained in a gross amount at one rate, half-up."""
    if rate_percent == 0:
        return 0
    return round_half_up(Decimal(gross_cents) * rate_percent / (100 + rate_percent))


def variable_weight_cents(price_per_kg_cents: int, weight_g: int) -> int:
    return round_half_up(Decimal(price_per_kg_cents) * weight_g / 1000)


@dataclass(frozen=True)
class TaxableAmount:
    """A gross amount (goods or Pfand of a line, or a fee) at one VAT rate."""

    gross_cents: int
    vat_rate: int


@dataclass(frozen=True)
class RateGroup:
    vat_rate: int
    gross_cents: int
    vat_cents: int

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.vat_cents


def vat_by_rate(amounts: Iterable[TaxableAmount]) -> list[RateGroup]:
    """One group per rate, VAT extracted from the group's sum (not per line), rates ascending."""
    sums: dict[int, int] = {}
    for amount in amounts:
        sums[amount.vat_rate] = sums.get(amount.vat_rate, 0) + amount.gross_cents
    return [RateGroup(rate, gross, vat_included(gross, rate)) for rate, gross in sorted(sums.items())]


@dataclass(frozen=True)
class UnitPrice:
    """The Grundpreis: cents per 1 kg or 1 l."""

    cents: int
    unit: str  # "kg" | "l"


def grundpreis(price_cents: int, net_quantity: int | None, unit: str) -> UnitPrice | None:
    """The Grundpreis of a pack of `net_quantity` grams or millilitres at `price_cents` (without Pfand);
    None where the rules ask for none (pieces, under 10 g/ml, or a pack of exactly 1 kg/1 l)."""
    if unit not in ("g", "ml") or net_quantity is None or net_quantity < 10 or net_quantity == 1000:
        return None
    cents = round_half_up(Decimal(price_cents) * 1000 / net_quantity)
    return UnitPrice(cents=cents, unit="kg" if unit == "g" else "l")


def euro(cents: int) -> str:
    """German notation: 1234 -> '12,34 €'."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{rest:02d} €"
