"""The erasure protocol's answer: each service that holds personal data reports, on its own stream, that it
has erased a person (`<service>.personal_data.erased.v1`). accounts collects these into the erasure's
completion report. platformkit publishes them (platformkit.personal_data.erase_person); a service
never writes one itself.

One class per service, because an event type names its producer's stream: `<Service>PersonalDataErasedV1`
in the producer's module (eventcontracts/<service>.py), a subclass of `PersonalDataErased` with nothing
but its `type`. A new service that holds personal data adds it there and records the snapshot."""

from __future__ import annotations

import contextlib
import importlib
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime

from platformkit.events import Event, event_types


class PersonalDataErased(Event):
    """`service_name` erased what it held about `person_id` (asked by `accounts.person.erased.v1` of
    `erased_at`). `counts`: records touched per kind, e.g. {"bookings_cancelled": 2} — numbers only."""

    subject_field: ClassVar[str | None] = "person_id"

    person_id: UUID
    service_name: str
    erased_at: AwareDatetime
    completed_at: AwareDatetime
    counts: dict[str, int] = {}


def erasure_report_type(service: str) -> str:
    return f"{service}.personal_data.erased.v1"


def erasure_report_event(service: str) -> type[PersonalDataErased]:
    """The completion event class of `service` (importing its contracts module); a clear error for a
    service without one."""
    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module(f"eventcontracts.{service}")
    cls = event_types().get(erasure_report_type(service))
    if cls is None or not issubclass(cls, PersonalDataErased):
        raise LookupError(
            f"service {service!r} holds personal data but has no completion event: add "
            f"class {service.title()}PersonalDataErasedV1(PersonalDataErased) to eventcontracts/{service}.py"
        )
    return cls


def erasure_report_events() -> list[type[PersonalDataErased]]:
    """Every service's completion event (accounts consumes them all)."""
    from eventcontracts import all_contracts

    return [cls for cls in all_contracts().values() if issubclass(cls, PersonalDataErased)]
