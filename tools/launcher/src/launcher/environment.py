"""The environment each child process gets: the same variables a service reads in production
(platformkit.config.ServiceSettings), filled in for one machine."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from launcher import runfile
from launcher.databases import database_url
from launcher.discovery import ISSUER, Service
from launcher.ports import HOST

# Port 9 is "discard": nothing answers there. Without an issuer every token is refused, visibly;
# without `dorf up` running, nothing is published (seeds only write to the outbox).
NO_ISSUER = f"http://{HOST}:9/no-issuer"
NO_NATS = f"nats://{HOST}:9"


def http_url(port: int) -> str:
    return f"http://{HOST}:{port}"


def issuer_url(ports: Mapping[str, int]) -> str:
    """accounts when it runs; else an external issuer from OIDC_ISSUER (e.g. Keycloak); else none."""
    if ISSUER in ports:
        return http_url(ports[ISSUER])
    return os.environ.get("OIDC_ISSUER") or NO_ISSUER


def child_environment(
    service: Service, *, var: Path, nats_url: str, ports: Mapping[str, int], issuer: str
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SERVICE_NAME=service.name,
        # Also for a service without a database (the gateway): the setting is required, and unused there.
        DATABASE_URL=database_url(service, var),
        NATS_URL=nats_url,
        OIDC_ISSUER=issuer,
        OIDC_AUDIENCE=service.name,
        ENVIRONMENT="development",
        PYTHONUNBUFFERED="1",  # logs reach var/logs/ as they happen
    )
    # Every other service's internal address: the gateway routes to them; a service that must ask
    # another one for an answer now finds it the same way.
    for name, port in ports.items():
        if name != service.name:
            env[f"UPSTREAM_{name.upper().replace('-', '_')}_URL"] = http_url(port)
    return env


def environments_like_running(services: Sequence[Service], var: Path) -> dict[str, dict[str, str]]:
    """For `dorf seed`: the environment of each service as `dorf up` from this var/ gives it (ports
    and NATS from var/run.json), or, when nothing runs, the same without ports and NATS."""
    processes = (runfile.read(var) or {}).get("processes", [])
    ports = {process["name"]: int(process["port"]) for process in processes if process["name"] != "nats"}
    nats_url = next((process["url"] for process in processes if process["name"] == "nats"), NO_NATS)
    issuer = issuer_url(ports)
    return {
        service.name: child_environment(service, var=var, nats_url=nats_url, ports=ports, issuer=issuer)
        for service in services
    }
