"""The district this deployment serves: its gazetteer (libs/places), loaded once per file."""

from __future__ import annotations

import functools

from alerts.config import AlertsSettings
from places import Gazetteer, demo


@functools.cache
def _load(path: str | None) -> Gazetteer:
    return demo() if path is None else Gazetteer.load(path)


def gazetteer(settings: AlertsSettings) -> Gazetteer:
    return _load(settings.gazetteer_file)
