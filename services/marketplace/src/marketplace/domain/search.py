"""German search text: what is stored for a product and how a query is cut into terms.

Umlauts fold both ways, because people type "Käse", "Kaese" and "Kase": every word is stored in both
folds ("kaese kase"), a query term in one. Word parts ("saft" in "Apfelsaft") are found by substring
matching on the stored text (SQLite FTS5 trigram, PostgreSQL pg_trgm), so no decompounding dictionary
is needed.

A result page is continued by a cursor: an opaque token for the last item shown, in one of two orders.
"title" (A to Z) for result sets small enough to sort; "id" (by product id: an order the search index
delivers without sorting, so a broad word costs as little as a narrow one) for larger sets. The order is
chosen on the first page and kept by the cursor, so paging stays stable."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

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


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after (title, id) in title order, or after id in id order."""
    order: Literal["title", "id"]
    after_id: uuid.UUID
    after_title: str = ""


def cursor_values(cursor: Cursor) -> list[str]:
    """What a cursor carries (platformkit.pagination encodes it)."""
    return [cursor.order, cursor.after_id.hex, cursor.after_title]


def cursor_from(values: list[Any]) -> Cursor | None:
    """The cursor a previous page handed out, or None for anything else."""
    match values:
        case ["title" | "id" as order, str(after_id), str(after_title)]:
            try:
                return Cursor(order, uuid.UUID(hex=after_id), after_title if order == "title" else "")
            except ValueError:
                return None
    return None
