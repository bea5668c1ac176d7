"""The events of every producing service, one module per service (`eventcontracts.<service>`).

Each class is a `platformkit.events.Event`; its JSON schema is snapshotted under `schemas/` and a test
refuses incompatible changes that keep the version. See docs/events.md."""

from __future__ import annotations

import importlib
import pkgutil

from platformkit.events import Event, event_types


def all_contracts() -> dict[str, type[Event]]:
    """Every event class defined in this package, by type (importing each service module)."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_") and module.name != "snapshots":
            importlib.import_module(f"{__name__}.{module.name}")
    return {
        event_type: cls
        for event_type, cls in sorted(event_types().items())
        if cls.__module__.startswith(f"{__name__}.")
    }
