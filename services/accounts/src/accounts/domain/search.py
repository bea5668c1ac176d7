"""The people desk's search words: what a desk worker types while a caller is on the line."""

from __future__ import annotations

# Fewer digits than this would match half the district's numbers (the area code alone has 4-5).
MIN_PHONE_DIGITS = 4


def phone_digits(query: str) -> str | None:
    """The digits of `query` when it looks like (part of) a phone number, else None. Leading zeros go:
    a caller says "039862 4711", staff stored "+49 39862 4711" — compared digit by digit, "398624711"
    is in both. Spaces, dashes, slashes, brackets and a plus are how people write numbers; letters mean
    it is a name."""
    if any(ch.isalpha() for ch in query):
        return None
    digits = "".join(ch for ch in query if ch.isdigit()).lstrip("0")
    return digits if len(digits) >= MIN_PHONE_DIGITS else None
