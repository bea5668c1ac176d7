"""Search across all merchants: German full text (umlaut folds, word parts) on SQLite FTS5 (trigram
tokenizer) and PostgreSQL (pg_trgm GIN index on the same folded text), facets, "delivers to my village"
and distance from my village."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select, text
from sqlmodel import col
from sqlmodel import select as sqlmodel_select
from sqlmodel.ext.asyncio.session import AsyncSession

from marketplace.crud import _sql
from marketplace.domain.search import query_terms
from marketplace.models import DeliveryVillage, Merchant, Product
from places import Gazetteer


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    category: str | None = None
    label: str | None = None
    merchant_id: str | None = None
    village: str | None = None
    delivers_only: bool = False
    max_km: float | None = None


def _text_filter(session: AsyncSession, terms: list[str]) -> ColumnElement[bool] | None:
    """Products whose folded text contains every term (as a substring)."""
    if not terms:
        return None
    sqlite = session.bind is not None and session.bind.dialect.name == "sqlite"
    if sqlite:
        long_terms = [t for t in terms if len(t) >= 3]
        short = [t for t in terms if len(t) < 3]
        clauses = []
        if long_terms:
            # FTS5 trigram: a quoted phrase matches as a substring; several phrases mean AND.
            match = " ".join('"' + t.replace('"', "") + '"' for t in long_terms)
            clauses.append(col(Product.id).in_(
                select(literal_column("product_id")).select_from(text("product_fts"))
                .where(text("product_fts MATCH :match")).params(match=match)))
        for term in short:
            clauses.append(col(Product.id).in_(
                select(literal_column("product_id")).select_from(text("product_fts"))
                .where(literal_column("body").contains(term, autoescape=True))))
        return and_(*clauses)
    body: Any = literal_column("body")
    return col(Product.id).in_(
        select(literal_column("product_id")).select_from(text("product_fts"))
        .where(*[body.contains(term, autoescape=True) for term in terms]))


def merchants_within(gazetteer: Gazetteer, merchants: list[tuple[str, str]], village: str,
                     max_km: float) -> list[str]:
    return [mid for mid, ortsteil in merchants
            if gazetteer.get_ortsteil(ortsteil) is not None
            and gazetteer.distance_m(ortsteil, village) <= max_km * 1000]


async def search(session: AsyncSession, *, query: SearchQuery, gazetteer: Gazetteer, limit: int,
                 offset: int) -> tuple[list[Product], dict[str, list[tuple[str, int]]], bool]:
    """A page of matching published products (title order) and the facets over all matches."""
    conditions: list[ColumnElement[bool]] = [
        col(Product.status) == "published",
        col(Product.merchant_id).in_(select(col(Merchant.id)).where(col(Merchant.status) == "active")),
    ]
    text_condition = _text_filter(session, query_terms(query.text))
    if text_condition is not None:
        conditions.append(text_condition)
    if query.village and query.delivers_only:
        conditions.append(col(Product.merchant_id).in_(
            select(col(DeliveryVillage.merchant_id)).where(col(DeliveryVillage.ortsteil_id) == query.village)))
    if query.village and query.max_km is not None:
        merchants = [(str(m), str(o)) for m, o in map(tuple, (await _sql.execute(session,
            select(col(Merchant.id), col(Merchant.ortsteil_id)).where(col(Merchant.status) == "active"))).all())]
        conditions.append(col(Product.merchant_id).in_(
            merchants_within(gazetteer, merchants, query.village, query.max_km)))
    label = col(Product.labels)
    filters: dict[str, ColumnElement[bool] | None] = {
        "category": col(Product.category) == query.category if query.category else None,
        "merchant": col(Product.merchant_id) == query.merchant_id if query.merchant_id else None,
        "label": or_(label == query.label, label.like(f"{query.label} %"), label.like(f"% {query.label}"),
                     label.like(f"% {query.label} %")) if query.label else None,
    }

    def others(name: str) -> list[ColumnElement[bool]]:
        # Each facet counts the matches under the other filters, so choosing a category keeps the others.
        return [c for n, c in filters.items() if n != name and c is not None]

    facets: dict[str, list[tuple[str, int]]] = {}
    for name, column in (("category", col(Product.category)), ("merchant", col(Product.merchant_id))):
        rows = (await _sql.execute(session,
            select(column, func.count()).where(*conditions, *others(name)).group_by(column)
            .order_by(func.count().desc(), column))).all()
        facets[name] = [(str(value), int(count)) for value, count in map(tuple, rows)]
    label_counts: dict[str, int] = {}
    for (labels,) in (await _sql.execute(session,
            select(col(Product.labels)).where(*conditions, *others("label"), col(Product.labels) != ""))).all():
        for one in labels.split():
            label_counts[one] = label_counts.get(one, 0) + 1
    facets["label"] = sorted(label_counts.items(), key=lambda item: (-item[1], item[0]))
    chosen = [c for c in filters.values() if c is not None]
    found = (await session.exec(
        sqlmodel_select(Product).where(*conditions, *chosen).order_by(col(Product.title), col(Product.id))
        .offset(offset).limit(limit + 1))).all()
    return list(found[:limit]), facets, len(found) > limit


async def delivering_merchants(session: AsyncSession, *, village: str, merchant_ids: list[str]) -> set[str]:
    if not merchant_ids:
        return set()
    rows = (await _sql.execute(session, select(col(DeliveryVillage.merchant_id)).where(
        col(DeliveryVillage.ortsteil_id) == village, col(DeliveryVillage.merchant_id).in_(merchant_ids)))).all()
    return {row[0] for row in rows}


def product_ids(products: list[Product]) -> list[uuid.UUID]:
    return [p.id for p in products]
