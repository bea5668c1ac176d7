"""Folding of place names for search: case-, umlaut- and punctuation-insensitive."""

from __future__ import annotations

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _squash(text: str) -> str:
    return _NON_ALNUM.sub(" ", text).strip()


def fold_keys(name: str) -> frozenset[str]:
    """The search keys of a name.

    Two spellings of each umlaut are accepted, because people type both: "Angermünde", "Angermuende" and
    "Angermunde" all share a key. Case, punctuation and runs of spaces do not matter ("Schwedt/Oder" ==
    "schwedt oder"), and "ß" equals "ss".
    """
    lowered = unicodedata.normalize("NFC", name).casefold()
    expanded = _squash(_strip_marks(lowered.translate(_UMLAUTS)))
    stripped = _squash(_strip_marks(lowered.replace("ß", "ss")))
    return frozenset(key for key in (expanded, stripped) if key)


def fold(name: str) -> str:
    """The canonical folded form of a name (umlauts expanded: "Angermünde" -> "angermuende")."""
    lowered = unicodedata.normalize("NFC", name).casefold()
    return _squash(_strip_marks(lowered.translate(_UMLAUTS)))
