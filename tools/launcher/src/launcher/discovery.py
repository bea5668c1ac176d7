"""Which services exist: the installed ones (entry point group `dorfmarktplatz.services`, e.g.
`accounts = "accounts.main:service"`), plus those named in `DORF_SERVICES`.

`DORF_SERVICES` is a comma-separated list of `module:attribute` of `ServiceSpec` objects; one with the
name of an installed service replaces it. Tests use it to start a sample service that is not installed.
Children are given the same `module:attribute`, so they import exactly what the launcher imported."""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points

from platformkit.service import ServiceSpec

ENTRY_POINT_GROUP = "dorfmarktplatz.services"
ISSUER = "accounts"
GATEWAY = "gateway"


@dataclass(frozen=True)
class Service:
    name: str
    target: str  # "module:attribute" of its ServiceSpec
    spec: ServiceSpec

    @property
    def has_database(self) -> bool:
        return self.spec.metadata is not None

    @property
    def env_name(self) -> str:
        """The name as it appears in environment variables: MARKETPLACE in UPSTREAM_MARKETPLACE_URL."""
        return self.name.upper().replace("-", "_")


def load_spec(target: str) -> ServiceSpec:
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise SystemExit(f"dorf: {target!r} is not of the form module:attribute")
    try:
        spec = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise SystemExit(f"dorf: cannot load service {target!r}: {error}") from error
    if not isinstance(spec, ServiceSpec):
        raise SystemExit(f"dorf: {target!r} is a {type(spec).__name__}, not a ServiceSpec")
    return spec


def _start_rank(service: Service) -> tuple[int, str]:
    # accounts issues the tokens everyone checks; the gateway needs everyone else's address.
    if service.name == ISSUER:
        return (0, service.name)
    if service.name == GATEWAY:
        return (2, service.name)
    return (1, service.name)


def discover(only: Sequence[str] = ()) -> list[Service]:
    """Every service, in start order; with `only`, just those (an unknown name is an error).

    An installed service that `only` leaves out is not even imported, so one that is broken or half
    written does not stop the others from starting."""
    found: dict[str, Service] = {}
    for target in os.environ.get("DORF_SERVICES", "").split(","):
        if target.strip():
            spec = load_spec(target.strip())
            found[spec.name] = Service(spec.name, target.strip(), spec)
    installed = entry_points(group=ENTRY_POINT_GROUP)
    for point in installed:
        if point.name in found or (only and point.name not in only):
            continue  # replaced by DORF_SERVICES, or not asked for
        spec = load_spec(point.value)
        if spec.name != point.name:
            raise SystemExit(f"dorf: entry point {point.name!r} points at a service named "
                             f"{spec.name!r}; make them agree")
        found[spec.name] = Service(spec.name, point.value, spec)
    if only:
        unknown = sorted(set(only) - set(found))
        if unknown:
            known = ", ".join(sorted(set(found) | set(installed.names))) or "none"
            raise SystemExit(f"dorf: no service named {', '.join(unknown)} (known: {known})")
        found = {name: service for name, service in found.items() if name in only}
    return sorted(found.values(), key=_start_rank)
