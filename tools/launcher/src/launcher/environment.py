"""The environment each child process gets: the same variables a service reads in production
(platformkit.config.ServiceSettings), filled in for one machine."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from launcher import runfile
from launcher.databases import database_url
from launcher.discovery import GATEWAY, ISSUER, Service
from launcher.ports import HOST
from platformkit.outbound.webpush import new_vapid_keys, vapid_public_key

# Port 9 is "discard": nothing answers there. Without an issuer every token is refused, visibly;
# without `dorf up` running, nothing is published (seeds only write to the outbox).
NO_ISSUER = f"http://{HOST}:9/no-issuer"
NO_NATS = f"nats://{HOST}:9"


def http_url(port: int) -> str:
    return f"http://{HOST}:{port}"


def issuer_url(ports: Mapping[str, int]) -> str:
    """accounts when it runs — as the public sees it, through the gateway when there is one (tokens name
    that address in `iss`, and browsers are sent there to sign in); else an external issuer from
    OIDC_ISSUER (e.g. Keycloak); else none."""
    if ISSUER in ports:
        if GATEWAY in ports:
            return f"{http_url(ports[GATEWAY])}/api/{ISSUER}"
        return http_url(ports[ISSUER])
    return os.environ.get("OIDC_ISSUER") or NO_ISSUER


GATEWAY_SECRET_FILE = "gateway-client-secret"  # noqa: S105 - a file name, not the secret


def gateway_client_secret(var: Path) -> str:
    """The gateway's OIDC client secret for this var/ folder, made once (readable by its owner only) and
    shared by accounts (GATEWAY_CLIENT_SECRET) and the gateway (OIDC_CLIENT_SECRET)."""
    return _secret_file(var / GATEWAY_SECRET_FILE)


SERVICE_SECRETS_DIR = "service-clients"


def service_client_secret(var: Path, name: str) -> str:
    """A service's client secret at accounts for this var/ folder (var/service-clients/<name>, made once,
    readable by its owner only): the service gets it as SERVICE_CLIENT_SECRET, accounts all of them as
    SERVICE_CLIENT_SECRETS."""
    return _secret_file(var / SERVICE_SECRETS_DIR / name)


WEB_PUSH_KEY_FILE = "web-push-private-key"


def web_push_keys(var: Path) -> tuple[str, str]:
    """The VAPID key pair for Web Push (private, public) for this var/ folder: the private key made once
    (readable by its owner only) unless the operator sets WEB_PUSH_PRIVATE_KEY; the services sign with
    it, the web app hands browsers the public key (WEB_PUSH_PUBLIC_KEY)."""
    private = os.environ.get("WEB_PUSH_PRIVATE_KEY") or _secret_file(
        var / WEB_PUSH_KEY_FILE, make=lambda: new_vapid_keys()[0]
    )
    return private, vapid_public_key(private)


def _secret_file(path: Path, make: Callable[[], str] = lambda: secrets.token_urlsafe(32)) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another launcher process made it a moment ago
            return path.read_text(encoding="ascii").strip()
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(make())
    return path.read_text(encoding="ascii").strip()


def child_environment(
    service: Service,
    *,
    var: Path,
    nats_url: str,
    ports: Mapping[str, int],
    issuer: str,
    personal_data_services: Sequence[str] = (),
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SERVICE_NAME=service.name,
        # Also for a service without a database (the gateway): the setting is required, and unused there.
        DATABASE_URL=database_url(service, var),
        NATS_URL=nats_url,
        OIDC_ISSUER=issuer,
        OIDC_AUDIENCE=service.name,
        # The embedded platform is a development setup unless the operator says otherwise.
        ENVIRONMENT=os.environ.get("ENVIRONMENT", "development"),
        PYTHONUNBUFFERED="1",  # logs reach var/logs/ as they happen
    )
    # Every other service's internal address: the gateway routes to them; a service that must ask
    # another one for an answer now finds it the same way.
    for name, port in ports.items():
        if name != service.name:
            env[f"UPSTREAM_{name.upper().replace('-', '_')}_URL"] = http_url(port)
    if ISSUER in ports:
        # Keys straight from accounts' internal address: nobody depends on the gateway to check a token.
        env["JWKS_URL"] = f"{http_url(ports[ISSUER])}/jwks.json"
        # Service identity: each service's own client at accounts (the gateway has its own client).
        if service.name != GATEWAY:
            env["SERVICE_CLIENT_SECRET"] = service_client_secret(var, service.name)
            # One VAPID key for the platform: browsers subscribe with its public half, and whichever service
            # pushes (accounts for people's notifications, alerts for anonymous warnings) signs with it.
            env["WEB_PUSH_PRIVATE_KEY"] = web_push_keys(var)[0]
            env["OIDC_TOKEN_URL"] = f"{http_url(ports[ISSUER])}/token"
        if service.name == ISSUER:
            env["SERVICE_CLIENT_SECRETS"] = json.dumps(
                {name: service_client_secret(var, name) for name in sorted(ports) if name != GATEWAY}
            )
            env["PERSONAL_DATA_SERVICES"] = ",".join(name for name in personal_data_services if name != ISSUER)
    if GATEWAY in ports:
        public = http_url(ports[GATEWAY])
        if service.name == ISSUER:
            env.update(
                GATEWAY_REDIRECT_URIS=f"{public}/auth/callback",
                GATEWAY_CLIENT_SECRET=gateway_client_secret(var),
                PUBLIC_URL=f"{public}/api/{ISSUER}",  # links in mails go through the gateway
                FORWARDED_FOR_TRUSTED_HOPS="1",  # the gateway appends the client's address
            )
        elif service.name == GATEWAY:
            env.update(PUBLIC_URL=public, OIDC_CLIENT_SECRET=gateway_client_secret(var))
            # The web app (in the gateway) lets browsers subscribe with accounts' VAPID public key.
            env["WEB_PUSH_PUBLIC_KEY"] = web_push_keys(var)[1]
    return env


def environments_like_running(services: Sequence[Service], var: Path) -> dict[str, dict[str, str]]:
    """For `dorf seed`: the environment of each service as `dorf up` from this var/ gives it (ports
    and NATS from var/run.json), or, when nothing runs, the same without ports and NATS."""
    processes = (runfile.read(var) or {}).get("processes", [])
    ports = {process["name"]: int(process["port"]) for process in processes if process["name"] != "nats"}
    nats_url = next((process["url"] for process in processes if process["name"] == "nats"), NO_NATS)
    issuer = issuer_url(ports)
    holders = personal_data_holders(services)
    return {
        service.name: child_environment(
            service, var=var, nats_url=nats_url, ports=ports, issuer=issuer, personal_data_services=holders
        )
        for service in services
    }


def personal_data_holders(services: Sequence[Service]) -> list[str]:
    """The services whose spec declares personal data: accounts gathers downloads from them and waits for
    their erasure reports."""
    return [service.name for service in services if service.spec.personal_data is not None]
