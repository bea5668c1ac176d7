"""The catalogue's categories: stable codes (API values) and their German names (shown and searched)."""

from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "obst-gemuese": "Obst & Gemüse",
    "brot-backwaren": "Brot & Backwaren",
    "milch-kaese": "Milch & Käse",
    "fleisch-wurst": "Fleisch & Wurst",
    "eier": "Eier",
    "getraenke": "Getränke",
    "honig-aufstriche": "Honig & Aufstriche",
    "vorrat": "Vorrat",
    "haushalt": "Haushalt",
    "drogerie": "Drogerie",
    "sonstiges": "Sonstiges",
}
