"""German search text: what is stored for a product and how a query is cut into terms.

Umlauts fold both ways, because people type "Käse", "Kaese" and "Kase": every word is stored in both
folds ("kaese kase"), a query term in one. Word parts ("saft" in "Apfelsaft") are found by substring
matching on the stored text (SQLite FTS5 trigram, PostgreSQL pg_trgm), so no decompounding dictionary
is needed."""

from __future__ import annotations

import re

from places import fold_keys

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 6


def search_body(*parts: str | None) -> str:
    """The stored search text: every word of the parts in both umlaut folds, once each."""
    keys: dict[str, None] = {}
    for part in parts:
        for word in _WORD.findall(part or ""):
            for key in sorted(fold_keys(word)):
                keys.setdefault(key, None)
    return " ".join(keys)


def query_terms(query: str) -> list[str]:
    """The terms of a query, each folded ("Käse" -> "kaese"), at most MAX_TERMS, duplicates dropped."""
    terms: dict[str, None] = {}
    for word in _WORD.findall(query):
        keys = fold_keys(word)
        if keys:
            # The expanded fold (ä -> ae) is stored for every word, so it always finds its spelling.
            terms.setdefault(max(keys, key=len), None)
    return list(terms)[:MAX_TERMS]
