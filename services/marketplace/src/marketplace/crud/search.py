"""Search across all merchants: German full text (umlaut folds, word parts) on SQLite FTS5 (trigram
tokenizer) and PostgreSQL (pg_trgm GIN index on the same folded text), facets, "delivers to my village"
and distance from my village.

A search with words reads product_fts only (it carries title, category, merchant and labels beside the
text), and the work does not grow with the number of matches beyond `count_limit`:
- the facet material: category × merchant × labels of the first `count_limit` matches in product id order
  (all of them when there are no more; else the counts say "at least", flagged `counts_capped`);
- the total under the facet filters: from that material, or (capped, a facet chosen) counted up to
  `count_limit` + 1;
- the page: in title order when the results are at most `count_limit` (sorting them is cheap), else in
  product id order, which the index delivers without sorting: SQLite's FTS rowid is derived from the
  product id (`fts_rowid`), PostgreSQL walks a covering index on product_id. Both databases give the same
  order, so the same pages and the same capped counts;
- the product rows of the page."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, column, func, or_, select, table, text
from sqlmodel import col
from sqlmodel import select as model_select
from sqlmodel.ext.asyncio.session import AsyncSession

from marketplace.crud import _sql
from marketplace.domain.search import Cursor, query_terms
from marketplace.models import DeliveryVillage, Merchant, Product
from places import Gazetteer
from platformkit.pagination import after

# The hand-made search table (see the migrations): not a model, so not in the metadata.
PRODUCT_FTS = table("product_fts", column("rowid"), column("product_id"), column("body"), column("title"),
                    column("category"), column("merchant_id"), column("labels"))
# SQLite only: the columns facets and filters read, again in a plain table by the same rowid. FTS5 hands
# out its stored columns several times slower per row than a plain table lookup, and a search filtered by
# place reads thousands of them.
PRODUCT_FACETS_FTS = table("product_facets_fts", column("rowid"), column("category"), column("merchant_id"),
                           column("labels"))

# Facets and totals count at most this many matches (more help nobody choose; counting them all is what
# made broad words slow): beyond it they are lower bounds, and the answer says so.
COUNT_LIMIT = 1000


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    category: str | None = None
    label: str | None = None
    merchant_id: str | None = None
    village: str | None = None
    delivers_only: bool = False
    max_km: float | None = None


@dataclass(frozen=True)
class SearchPage:
    products: list[Product]
    facets: dict[str, list[tuple[str, int]]]
    next_cursor: Cursor | None
    # Results (all filters) counted: exact, or `count_limit` with total_capped when there are more.
    total: int
    total_capped: bool
    # The facet counts cover only the first `count_limit` matches (in id order): each is a lower bound.
    counts_capped: bool


def fts_rowid(product_id: uuid.UUID) -> int:
    """SQLite: the FTS rowid of a product, its id's top 63 bits, so that rowid order (what FTS5 delivers
    without sorting) is product id order, and a product keeps its rowid when it is indexed again."""
    return product_id.int >> 65


def fts_product_id(session: AsyncSession, product_id: uuid.UUID) -> str | uuid.UUID:
    # SQLite stores UUIDs as 32 hex characters (SQLAlchemy's Uuid type); PostgreSQL as uuid.
    return product_id.hex if _is_sqlite(session) else product_id


def _is_sqlite(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "sqlite"


def _source(session: AsyncSession) -> tuple[Any, Any]:
    """What a search with words reads from, and the columns its facets and filters use."""
    if _is_sqlite(session):
        return (PRODUCT_FTS.join(PRODUCT_FACETS_FTS, PRODUCT_FACETS_FTS.c.rowid == PRODUCT_FTS.c.rowid),
                PRODUCT_FACETS_FTS.c)
    return PRODUCT_FTS, PRODUCT_FTS.c


def _text_conditions(session: AsyncSession, terms: list[str]) -> list[Any]:
    """Conditions on the product_fts row: it contains every term as a substring."""
    body: Any = PRODUCT_FTS.c.body
    if not _is_sqlite(session):
        return [body.contains(term, autoescape=True) for term in terms]
    # FTS5 trigram: a quoted phrase matches as a substring, several phrases mean AND; it needs three
    # letters, shorter terms are a plain substring test on the row.
    long_terms = [t for t in terms if len(t) >= 3]
    conditions: list[Any] = [body.contains(t, autoescape=True) for t in terms if len(t) < 3]
    if long_terms:
        match = " ".join('"' + t.replace('"', "") + '"' for t in long_terms)
        conditions.append(text("product_fts MATCH :match").bindparams(match=match))
    return conditions


def merchants_within(gazetteer: Gazetteer, merchants: list[tuple[str, str]], village: str,
                     max_km: float) -> list[str]:
    return [mid for mid, ortsteil in merchants
            if gazetteer.get_ortsteil(ortsteil) is not None
            and gazetteer.distance_m(ortsteil, village) <= max_km * 1000]


def _has_label(labels: Any, label: str) -> ColumnElement[bool]:
    return or_(labels == label, labels.like(f"{label} %"), labels.like(f"% {label}"), labels.like(f"% {label} %"))


# Facet counts of a browse without words are the same for everyone: kept this long (per database, place
# and facet filter), so that browsing the whole catalogue does not count it on every page.
BROWSE_FACETS_SECONDS = 30.0
_browse_cache: dict[tuple[Any, ...], tuple[float, tuple[dict[str, list[tuple[str, int]]], int]]] = {}


async def search(session: AsyncSession, *, query: SearchQuery, gazetteer: Gazetteer, limit: int, offset: int = 0,
                 cursor: Cursor | None = None, count_limit: int = COUNT_LIMIT) -> SearchPage:
    """A page of matching searchable products, the facets and the total (see the module's docstring)."""
    fts: Any = PRODUCT_FTS.c
    source, facet = _source(session)
    terms = query_terms(query.text)
    conditions: list[Any] = [*_text_conditions(session, terms)]
    place: list[Any] = []  # the same conditions on product's own columns, for the browse below
    if query.village and query.delivers_only:
        delivering = select(col(DeliveryVillage.merchant_id)).where(col(DeliveryVillage.ortsteil_id) == query.village)
        conditions.append(facet.merchant_id.in_(delivering))
        place.append(col(Product.merchant_id).in_(delivering))
    if query.village and query.max_km is not None:
        merchants = [(str(m), str(o)) for m, o in map(tuple, (await _sql.execute(session,
            select(col(Merchant.id), col(Merchant.ortsteil_id)).where(col(Merchant.status) == "active"))).all())]
        near = merchants_within(gazetteer, merchants, query.village, query.max_km)
        conditions.append(facet.merchant_id.in_(near))
        place.append(col(Product.merchant_id).in_(near))
    if not terms:
        # A browse: its facets are counted in full (and kept a while), its page comes from an index.
        facets, total = await _browse_facets(session, conditions, query)
        found = await _browse(session, query=query, place=place, limit=limit, offset=offset, cursor=cursor)
        page = found[:limit]
        following = Cursor("title", page[-1].id, page[-1].title) if len(found) > limit else None
        return SearchPage(page, facets, following, total, False, False)

    combos, counts_capped = await _first_combos(session, conditions, count_limit)
    facets, total = _facets(combos, query)
    chosen: list[Any] = []
    if query.category:
        chosen.append(facet.category == query.category)
    if query.merchant_id:
        chosen.append(facet.merchant_id == query.merchant_id)
    if query.label:
        chosen.append(_has_label(facet.labels, query.label))
    if not counts_capped:
        total_capped = False
    elif not chosen:
        total, total_capped = count_limit, True
    else:
        counted = (await _sql.execute(session, select(func.count()).select_from(
            select(fts.product_id).select_from(source).where(*conditions, *chosen).limit(count_limit + 1)
            .subquery()))).scalar_one()
        total, total_capped = min(counted, count_limit), counted > count_limit
    order = cursor.order if cursor else ("id" if total_capped else "title")
    statement: Any
    if order == "title":
        # Byte order on both databases (PostgreSQL's collation may differ), the order of the first page.
        title = fts.title.collate("BINARY" if _is_sqlite(session) else "C")
        statement = select(fts.product_id, fts.title).order_by(title, fts.product_id)
        if cursor:
            after_id = fts_product_id(session, cursor.after_id)
            chosen.append(after([title, fts.product_id], [cursor.after_title, after_id]))
    elif _is_sqlite(session):
        statement = select(fts.product_id, fts.title).order_by(fts.rowid)
        if cursor:
            chosen.append(fts.rowid > fts_rowid(cursor.after_id))
    else:
        statement = select(fts.product_id, fts.title).order_by(fts.product_id)
        if cursor:
            chosen.append(fts.product_id > cursor.after_id)
    rows = [(uuid.UUID(str(row.product_id)), str(row.title)) for row in (await _sql.execute(
        session, statement.select_from(source).where(*conditions, *chosen).offset(offset).limit(limit + 1))).all()]
    ids = [product_id for product_id, _title in rows[:limit]]
    by_id = {p.id: p for p in (await session.exec(model_select(Product).where(col(Product.id).in_(ids)))).all()}
    last = rows[limit - 1] if len(rows) > limit else None
    return SearchPage([by_id[i] for i in ids if i in by_id], facets,
                      Cursor(order, last[0], last[1] if order == "title" else "") if last else None,
                      total, total_capped, counts_capped)


async def _first_combos(session: AsyncSession, conditions: list[Any],
                        count_limit: int) -> tuple[list[tuple[Any, ...]], bool]:
    """Match counts per (category, merchant, labels) over the first `count_limit` matches in id order,
    and whether there are more. Grouped in the database over the first `count_limit` + 1 (that one more
    tells that there are more); the group holding the last of them (the highest id) gives it back."""
    fts: Any = PRODUCT_FTS.c
    source, facet = _source(session)
    key = fts.rowid if _is_sqlite(session) else fts.product_id
    first = (select(facet.category, facet.merchant_id, facet.labels, (key if _is_sqlite(session) else cast(key, Text))
                    .label("sort_key")).select_from(source).where(*conditions).order_by(key)
             .limit(count_limit + 1).subquery())
    rows = [tuple(row) for row in (await _sql.execute(session, select(
        first.c.category, first.c.merchant_id, first.c.labels, func.count(), func.max(first.c.sort_key))
        .group_by(first.c.category, first.c.merchant_id, first.c.labels))).all()]
    capped = sum(row[3] for row in rows) > count_limit
    if capped:
        beyond = max(rows, key=lambda row: row[4])
        rows = [(*row[:3], row[3] - 1 if row is beyond else row[3], row[4]) for row in rows]
    return [row[:4] for row in rows if row[3] > 0], capped


async def _browse_facets(session: AsyncSession, conditions: list[Any],
                         query: SearchQuery) -> tuple[dict[str, list[tuple[str, int]]], int]:
    """The facets and total of the whole catalogue under the place and facet filters, kept a while."""
    facets_table = PRODUCT_FACETS_FTS if _is_sqlite(session) else PRODUCT_FTS  # no words: no text needed
    facet: Any = facets_table.c
    key = (str(getattr(session.bind, "url", "")), query.village if query.delivers_only else None,
           query.village if query.max_km is not None else None, query.max_km, query.category, query.merchant_id,
           query.label)
    now = time.monotonic()
    if key in _browse_cache and _browse_cache[key][0] > now:
        return _browse_cache[key][1]
    rows = [tuple(row) for row in (await _sql.execute(session, select(
        facet.category, facet.merchant_id, facet.labels, func.count()).select_from(facets_table)
        .where(*conditions).group_by(facet.category, facet.merchant_id, facet.labels))).all()]
    _browse_cache[key] = (now + BROWSE_FACETS_SECONDS, _facets(rows, query))
    return _browse_cache[key][1]


async def _browse(session: AsyncSession, *, query: SearchQuery, place: list[Any], limit: int, offset: int,
                  cursor: Cursor | None) -> list[Product]:
    """A page without words, in title order straight from the index on product(status, title, id)."""
    statement = model_select(Product).where(
        col(Product.status) == "published", *place,
        col(Product.merchant_id).in_(select(col(Merchant.id)).where(col(Merchant.status) == "active")))
    if query.category:
        statement = statement.where(col(Product.category) == query.category)
    if query.merchant_id:
        statement = statement.where(col(Product.merchant_id) == query.merchant_id)
    if query.label:
        statement = statement.where(_has_label(col(Product.labels), query.label))
    if cursor:
        statement = statement.where(after([col(Product.title), col(Product.id)], [cursor.after_title, cursor.after_id]))
    return list((await session.exec(statement.order_by(col(Product.title), col(Product.id))
                                    .offset(offset).limit(limit + 1))).all())


def _facets(combos: list[tuple[Any, ...]], query: SearchQuery) -> tuple[dict[str, list[tuple[str, int]]], int]:
    """Category, merchant and label counts, each under the other two filters (choosing a category keeps
    the other categories countable), and the count of matches under all three. A browse has a combination
    for every merchant, category and label set (thousands): this loop is kept plain."""
    categories: Counter[str] = Counter()
    merchants: Counter[str] = Counter()
    labels_found: Counter[str] = Counter()
    total = 0
    for category, merchant_id, labels, count in combos:
        label_list = labels.split()
        category_ok = query.category is None or query.category == category
        merchant_ok = query.merchant_id is None or query.merchant_id == merchant_id
        label_ok = query.label is None or query.label in label_list
        if merchant_ok and label_ok:
            categories[category] += count
            if category_ok:
                total += count
        if category_ok and label_ok:
            merchants[merchant_id] += count
        if category_ok and merchant_ok:
            for one in label_list:
                labels_found[one] += count
    return ({name: sorted(counts.items(), key=lambda item: (-item[1], item[0]))
             for name, counts in (("category", categories), ("merchant", merchants), ("label", labels_found))},
            total)


async def delivering_merchants(session: AsyncSession, *, village: str, merchant_ids: list[str]) -> set[str]:
    if not merchant_ids:
        return set()
    rows = (await _sql.execute(session, select(col(DeliveryVillage.merchant_id)).where(
        col(DeliveryVillage.ortsteil_id) == village, col(DeliveryVillage.merchant_id).in_(merchant_ids)))).all()
    return {row[0] for row in rows}


