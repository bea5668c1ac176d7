"""Search across all merchants: German full text (umlaut folds, word parts) on SQLite FTS5 (trigram
tokenizer) and PostgreSQL (pg_trgm GIN index on the same folded text), facets, "delivers to my village"
and distance from my village."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

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
            clauses.append(Product.id.in_(  # type: ignore[attr-defined]
                select(literal_column("product_id")).select_from(text("product_fts"))
                .where(text("product_fts MATCH :match")).params(match=match)))
        for term in short:
            clauses.append(Product.id.in_(  # type: ignore[attr-defined]
                select(literal_column("product_id")).select_from(text("product_fts"))
                .where(literal_column("body").contains(term, autoescape=True))))
        return and_(*clauses)
    body = literal_column("body")
    return Product.id.in_(  # type: ignore[attr-defined]
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
        Product.status == "published",  # type: ignore[arg-type]
        Product.merchant_id.in_(select(Merchant.id).where(Merchant.status == "active")),  # type: ignore[attr-defined,arg-type,call-overload]
    ]
    text_condition = _text_filter(session, query_terms(query.text))
    if text_condition is not None:
        conditions.append(text_condition)
    if query.village and query.delivers_only:
        conditions.append(Product.merchant_id.in_(  # type: ignore[attr-defined]
            select(DeliveryVillage.merchant_id).where(DeliveryVillage.ortsteil_id == query.village)))  # type: ignore[call-overload,arg-type]
    if query.village and query.max_km is not None:
        merchants = [(m, o) for m, o in (await _sql.execute(session,
            select(Merchant.id, Merchant.ortsteil_id).where(Merchant.status == "active"))).all()]  # type: ignore[call-overload,arg-type]
        conditions.append(Product.merchant_id.in_(  # type: ignore[attr-defined]
            merchants_within(gazetteer, merchants, query.village, query.max_km)))
    label = Product.labels
    filters: dict[str, ColumnElement[bool] | None] = {
        "category": Product.category == query.category if query.category else None,  # type: ignore[dict-item]
        "merchant": Product.merchant_id == query.merchant_id if query.merchant_id else None,  # type: ignore[dict-item]
        "label": or_(label == query.label, label.like(f"{query.label} %"), label.like(f"% {query.label}"),  # type: ignore[attr-defined]
                     label.like(f"% {query.label} %")) if query.label else None,  # type: ignore[attr-defined]
    }

    def others(name: str) -> list[ColumnElement[bool]]:
        # Each facet counts the matches under the other filters, so choosing a category keeps the others.
        return [c for n, c in filters.items() if n != name and c is not None]

    facets: dict[str, list[tuple[str, int]]] = {}
    for name, column in (("category", Product.category), ("merchant", Product.merchant_id)):
        rows = (await _sql.execute(session,
            select(column, func.count()).where(*conditions, *others(name)).group_by(column)
            .order_by(func.count().desc(), column))).all()
        facets[name] = [(str(value), int(count)) for value, count in rows]
    label_counts: dict[str, int] = {}
    for (labels,) in (await _sql.execute(session,
            select(Product.labels).where(*conditions, *others("label"), Product.labels != ""))).all():  # type: ignore[arg-type]
        for one in labels.split():
            label_counts[one] = label_counts.get(one, 0) + 1
    facets["label"] = sorted(label_counts.items(), key=lambda item: (-item[1], item[0]))
    chosen = [c for c in filters.values() if c is not None]
    rows = (await session.exec(
        sqlmodel_select(Product).where(*conditions, *chosen).order_by(col(Product.title), col(Product.id))
        .offset(offset).limit(limit + 1))).all()
    return list(rows[:limit]), facets, len(rows) > limit


async def delivering_merchants(session: AsyncSession, *, village: str, merchant_ids: list[str]) -> set[str]:
    if not merchant_ids:
        return set()
    rows = (await _sql.execute(session, select(DeliveryVillage.merchant_id).where(  # type: ignore[call-overload]
        DeliveryVillage.ortsteil_id == village, DeliveryVillage.merchant_id.in_(merchant_ids)))).all()  # type: ignore[attr-defined]
    return {row[0] for row in rows}


def product_ids(products: list[Product]) -> list[uuid.UUID]:
    return [p.id for p in products]
