"""The `Event` base class and the registry of event classes by type.

An event type is `<service>.<aggregate>.<past_tense>.v<N>`; it is the NATS subject and the CloudEvents
`type`, and the class name ends in `V<N>` (`marketplace.order.placed.v1` -> `OrderPlacedV1`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v([1-9][0-9]*)$")
SERVICE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

_registry: dict[str, type[Event]] = {}


class EventDefinitionError(TypeError):
    """An event class breaks the naming rules, or two classes claim one type."""


class Event(BaseModel):
    """A fact that happened, as published by its owning service.

    Subclasses set `type` and, when the event is about one aggregate, `subject_field`: the name of the
    field whose value is the CloudEvents `subject` (the aggregate id). Unknown fields are ignored on
    decoding, so a producer may add optional fields to a `v1` without breaking its consumers."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: ClassVar[str]
    subject_field: ClassVar[str | None] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        event_type = cls.__dict__.get("type")
        if event_type is None:
            return  # an intermediate base class without a type of its own
        if not isinstance(event_type, str):
            raise EventDefinitionError(f"{cls.__qualname__}.type must be a string")
        match = TYPE_PATTERN.match(event_type)
        if match is None:
            raise EventDefinitionError(
                f"{cls.__qualname__}.type {event_type!r} is not '<service>.<aggregate>.<past_tense>.v<N>'"
                " (lowercase snake_case tokens)"
            )
        if not cls.__name__.endswith(f"V{match.group(1)}"):
            raise EventDefinitionError(
                f"{cls.__qualname__} publishes {event_type!r}: its name must end in V{match.group(1)}"
            )
        if cls.subject_field is not None and cls.subject_field not in cls.model_fields:
            raise EventDefinitionError(
                f"{cls.__qualname__}.subject_field {cls.subject_field!r} is not one of its fields"
            )
        known = _registry.get(event_type)
        if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise EventDefinitionError(
                f"event type {event_type!r} is defined twice: {known.__module__}.{known.__qualname__}"
                f" and {cls.__module__}.{cls.__qualname__}"
            )
        _registry[event_type] = cls

    def ce_subject(self) -> str | None:
        """The CloudEvents `subject`: the id of the aggregate this event is about, if any."""
        if self.subject_field is None:
            return None
        value = getattr(self, self.subject_field)
        return None if value is None else str(value)

    @classmethod
    def service(cls) -> str:
        """The producing service: the first token of the type."""
        return cls.type.split(".", 1)[0]


def event_types() -> Mapping[str, type[Event]]:
    """Every event class imported so far, by type."""
    return MappingProxyType(_registry)


def event_class(event_type: str) -> type[Event]:
    try:
        return _registry[event_type]
    except KeyError:
        raise KeyError(
            f"no event class for type {event_type!r} (is its contracts module imported?)"
        ) from None


def stream_name(service: str) -> str:
    """The JetStream stream of a producing service: `marketplace` -> `MARKETPLACE`."""
    if not SERVICE_PATTERN.match(service):
        raise ValueError(f"service name {service!r} must be lowercase snake_case")
    return service.upper()
