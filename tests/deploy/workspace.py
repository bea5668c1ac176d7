"""What the deployment must cover, read from the workspace itself: every package with an entry point in
`dorfmarktplatz.services` (services/*/ and gateway/), its ServiceSpec, and the settings it needs.

A service that lands later is covered by every deploy test without editing them; until its compose
entry and kustomize base exist, those tests fail and say what is missing."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from unittest import mock

from launcher.discovery import ENTRY_POINT_GROUP, GATEWAY, ISSUER, Service, load_spec
from launcher.environment import child_environment
from platformkit.config import ServiceSettings, load_settings
from platformkit.events.options import EventOptions
from platformkit.outbound.settings import OutboundSettings
from platformkit.service import ServiceSpec

REPO = Path(__file__).resolve().parents[2]
PACKAGE_GLOBS = ("services/*/pyproject.toml", "gateway/pyproject.toml")
_UPSTREAM = re.compile(r"UPSTREAM_([A-Z][A-Z0-9_]*)_URL")


@dataclass(frozen=True)
class Workload:
    """One deployable process kind: a service or the gateway."""

    name: str
    package: str  # the workspace package the image installs (deploy/image/install.sh)
    folder: Path
    target: str  # module:attribute of its ServiceSpec

    @property
    def env_name(self) -> str:
        return self.name.upper().replace("-", "_")

    @property
    def spec(self) -> ServiceSpec:
        try:
            return load_spec(self.target)
        except SystemExit as error:  # the launcher's way to say it; a test reports it as an error
            raise ImportError(str(error)) from None

    @property
    def has_database(self) -> bool:
        return self.spec.metadata is not None

    @property
    def is_gateway(self) -> bool:
        return self.name == GATEWAY

    def calls(self) -> set[str]:
        """The services this one asks over HTTP: the gateway every one; others those whose
        UPSTREAM_<NAME>_URL their code reads, and accounts (its JWKS) — as `dorf up` gives them."""
        if self.is_gateway:
            return {other.name for other in workloads()} - {GATEWAY}
        source = "\n".join(path.read_text(encoding="utf-8") for path in (self.folder / "src").rglob("*.py"))
        called = {match.lower() for match in _UPSTREAM.findall(source)}
        fields = {name.upper() for name in self.spec.settings.model_fields}
        called |= {match.lower() for match in _UPSTREAM.findall(" ".join(fields))}
        if self.name == ISSUER:
            # accounts gathers a person's data download from every service that holds personal data.
            called |= set(personal_data_holders()) - {ISSUER}
        # Everyone asks accounts for its keys (JWKS_URL) and for tokens (OIDC_TOKEN_URL), accounts too:
        # through the Service, which may lead to another accounts pod.
        called.add(ISSUER)
        return called & {other.name for other in workloads()}


def _package_files() -> list[Path]:
    """The packages committed to the repository (a colleague's half-written service in the same checkout
    is not yet part of the platform); every matching file where there is no git history."""
    listed = subprocess.run(["git", "ls-files", "--", *PACKAGE_GLOBS], cwd=REPO, capture_output=True,
                            text=True, check=False)
    if listed.returncode != 0:
        return sorted(path for pattern in PACKAGE_GLOBS for path in REPO.glob(pattern))
    return sorted(REPO / line for line in listed.stdout.splitlines() if line.strip())


@cache
def workloads() -> tuple[Workload, ...]:
    found = []
    for pyproject in _package_files():
        if pyproject.exists():
            project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
            points = project.get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
            for name, target in points.items():
                found.append(Workload(name, project["name"], pyproject.parent, target))
    return tuple(sorted(found, key=lambda workload: (workload.is_gateway, workload.name)))


def reaches_internet(workload: Workload) -> bool:
    """Whether the workload talks to the world outside: it sends through platformkit.outbound (mail, Web
    Push, SMS, webhooks), or fetches from allowed outside hosts (alerts' feeds)."""
    settings = workload.spec.settings
    fields = settings.model_fields
    return issubclass(settings, OutboundSettings) or any(name.endswith("_allowed_hosts") for name in fields)


def personal_data_holders() -> list[str]:
    return [item.name for item in workloads() if item.spec.personal_data is not None]


def services() -> tuple[Workload, ...]:
    """Everything but the gateway."""
    return tuple(workload for workload in workloads() if not workload.is_gateway)


def with_database() -> tuple[Workload, ...]:
    return tuple(workload for workload in workloads() if workload.has_database)


def names(items: tuple[Workload, ...]) -> list[str]:
    return [item.name for item in items]


_ENVIRON_READ = re.compile(r"""os\.environ(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]*)["']""")


def setting_names(workload: Workload) -> set[str]:
    """The environment variable names the workload reads: its settings model, and what its code (for the
    gateway also the web app it mounts) reads from os.environ directly."""
    names = {name.upper() for name in workload.spec.settings.model_fields}
    folders = [workload.folder / "src"] + ([REPO / "web" / "src"] if workload.is_gateway else [])
    for folder in folders:
        for path in folder.rglob("*.py"):
            names |= set(_ENVIRON_READ.findall(path.read_text(encoding="utf-8")))
    return names


def required_settings(workload: Workload) -> set[str]:
    """What a deployment must give this workload: the settings without a default, and every setting
    that `dorf up` (the embedded platform) gives it, under the same name — except the upstream
    addresses, which only the gateway and the callers need (see `calls`)."""
    model = workload.spec.settings
    required = {name.upper() for name, field in model.model_fields.items() if field.is_required()}
    everyone = [Service(item.name, item.target, item.spec) for item in workloads()]
    ports = {item.name: 8000 + index for index, item in enumerate(everyone)}
    this = next(item for item in everyone if item.name == workload.name)
    with mock.patch.dict(os.environ, {}, clear=True), tempfile.TemporaryDirectory() as var:
        given = child_environment(this, var=Path(var), nats_url="nats://nats:4222", ports=ports,
                                  issuer="http://gateway/api/accounts",
                                  personal_data_services=personal_data_holders())
    known = setting_names(workload)
    from_dorf_up = {name for name in given if name in known}
    if not workload.has_database:
        from_dorf_up.discard("DATABASE_URL")  # required by the base model, unused without tables
    upstreams = {f"UPSTREAM_{name.upper().replace('-', '_')}_URL" for name in workload.calls()
                 if name != workload.name}
    if "public_url" in model.model_fields:
        required.add("PUBLIC_URL")  # its default is a loopback address: links would point nowhere
    # The image itself sets SERVICE_NAME (Dockerfile: ENV SERVICE_NAME=${SERVICE}).
    return (required | from_dorf_up | upstreams) - {"SERVICE_NAME"}


def unknown_names(workload: Workload, environment: Mapping[str, str]) -> set[str]:
    """Variables given to a workload that nothing of it reads: a typo or a leftover."""
    events = {f"EVENTS_{name.upper()}" for name in EventOptions.model_fields}  # platformkit's event runtime
    known = setting_names(workload) | events | {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    services = {item.env_name for item in workloads()}
    upstream = re.compile(r"^UPSTREAM_([A-Z0-9_]+?)_(URL|CONNECT_TIMEOUT|READ_TIMEOUT)$")
    # Parts that settings are composed of in Kubernetes ($(DORF_DB_PASSWORD) in DATABASE_URL).
    helper = re.compile(r"^DORF_[A-Z0-9_]+$")

    def read(name: str) -> bool:
        match = upstream.match(name)
        return name in known or helper.match(name) is not None or (match is not None and match[1] in services)

    return {name for name in environment if not read(name)}


@contextmanager
def only_environment(environment: Mapping[str, str]) -> Iterator[None]:
    with mock.patch.dict(os.environ, dict(environment), clear=True):
        yield


def load_with(workload: Workload, environment: Mapping[str, str]) -> ServiceSettings:
    """The workload's settings built from exactly this environment (fails like start-up would)."""
    with only_environment({**environment, "SERVICE_NAME": workload.name}):
        return load_settings(workload.spec.settings)
