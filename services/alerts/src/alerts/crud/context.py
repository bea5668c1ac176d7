"""What ingesting and delivering need besides the message: settings, the district's gazetteer, the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.config import AlertsSettings
from places import Gazetteer


@dataclass(frozen=True, slots=True)
class Ingest:
    """What ingesting needs besides the message."""

    settings: AlertsSettings
    gazetteer: Gazetteer
    now: datetime

    @property
    def debounce(self) -> timedelta:
        return timedelta(seconds=self.settings.update_debounce_seconds)
