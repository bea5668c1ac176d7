"""Food information (LMIV, Regulation (EU) 1169/2011): what must be known before a food product may be
offered at a distance (Art. 14), and the 14 allergens of its Annex II."""

from __future__ import annotations

# Annex II, in the order of the regulation; the codes are stable API values.
ALLERGENS: dict[str, str] = {
    "gluten": "Glutenhaltiges Getreide",
    "crustaceans": "Krebstiere",
    "eggs": "Eier",
    "fish": "Fisch",
    "peanuts": "Erdnüsse",
    "soy": "Soja",
    "milk": "Milch (einschließlich Laktose)",
    "nuts": "Schalenfrüchte",
    "celery": "Sellerie",
    "mustard": "Senf",
    "sesame": "Sesamsamen",
    "sulphites": "Schwefeldioxid und Sulphite",
    "lupin": "Lupinen",
    "molluscs": "Weichtiere",
}


def unknown_allergens(codes: list[str]) -> list[str]:
    return [code for code in codes if code not in ALLERGENS]


def missing_food_information(*, ingredients: str | None, allergens: list[str] | None) -> list[str]:
    """The LMIV fields a food product still lacks before it can be published. `allergens` None means
    "not stated yet"; an empty list is the statement "contains none of the 14"."""
    missing = []
    if not (ingredients or "").strip():
        missing.append("ingredients")
    if allergens is None:
        missing.append("allergens")
    return missing
