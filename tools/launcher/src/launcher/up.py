"""`dorf up`: NATS, migrations, every service and the gateway as processes, demo data, one URL;
then supervision until Ctrl-C or SIGTERM, and a clean stop."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import NoReturn

import httpx

from launcher import runfile
from launcher.databases import database_url, migrate
from launcher.demo import SeedFailed, seed_demo
from launcher.discovery import ENTRY_POINT_GROUP, GATEWAY, ISSUER, Service
from launcher.environment import NO_ISSUER, child_environment, http_url, issuer_url, personal_data_holders
from launcher.ports import HOST, PortPlanner
from launcher.processes import Child, stop
from platformkit.natsserver import port_is_open

DEFAULT_NATS_PORT = 4222
DEFAULT_GATEWAY_PORT = 8000
DEFAULT_SERVICE_BASE_PORT = 8001
SLOW_NOTE_EVERY_SECONDS = 15.0


@dataclass(frozen=True)
class UpOptions:
    var: Path
    demo: bool
    gateway_port: int | None  # None: the default, replaced by a free port if taken
    nats_port: int | None
    service_base_port: int
    ready_timeout: float


class StartupFailed(Exception):
    pass


class StopRequested(BaseException):
    """Raised in the main thread by SIGINT or SIGTERM, like KeyboardInterrupt, so every wait ends."""


def _request_stop(signum: int, _frame: FrameType | None) -> None:
    raise StopRequested(signal.Signals(signum).name)


def _stages(services: Sequence[Service]) -> list[list[Service]]:
    """accounts alone first (the issuer), the other services together, the gateway last."""
    first = [service for service in services if service.name == ISSUER]
    last = [service for service in services if service.name == GATEWAY]
    middle = [service for service in services if service not in first and service not in last]
    return [stage for stage in (first, middle, last) if stage]


def _plan_ports(services: Sequence[Service], options: UpOptions, planner: PortPlanner) -> dict[str, int]:
    ports: dict[str, int] = {}
    if any(service.name == GATEWAY for service in services):
        wanted = options.gateway_port or DEFAULT_GATEWAY_PORT
        ports[GATEWAY] = planner.claim(wanted, what="the gateway", explicit=options.gateway_port is not None)
    others = [service.name for service in services if service.name != GATEWAY]
    ports.update(planner.claim_consecutive(options.service_base_port, others))
    return ports


def _readiness(child: Child, http: httpx.Client) -> tuple[bool, str]:
    """Ready or not, and what it answered (shown when it is slow)."""
    if child.url.startswith("nats://"):
        listening = port_is_open(child.port, HOST)
        return listening, "listening" if listening else "not listening yet"
    try:
        response = http.get(f"{child.url}/readyz")
    except httpx.HTTPError as error:
        return False, f"no answer ({type(error).__name__})"
    return response.status_code == 200, f"/readyz {response.status_code} {response.text[:200]}"


def _wait_until_ready(children: Sequence[Child], timeout: float) -> None:
    pending = list(children)
    answers: dict[str, str] = {}
    started = time.monotonic()
    next_note = started + SLOW_NOTE_EVERY_SECONDS
    with httpx.Client(timeout=2.0) as http:
        while pending:
            for child in list(pending):
                code = child.exit_code()
                if code is not None:
                    raise StartupFailed(f"{child.name} exited with code {code} while starting; "
                                        f"the end of {child.log_path}:\n{child.log_tail()}")
                ready, answers[child.name] = _readiness(child, http)
                if ready:
                    pending.remove(child)
                    print(f"  {child.name} is ready ({time.monotonic() - started:.1f} s)", flush=True)
            now = time.monotonic()
            if pending and now - started > timeout:
                details = "\n".join(f"{child.name}: {answers.get(child.name)}; the end of {child.log_path}:\n"
                                    f"{child.log_tail()}" for child in pending)
                raise StartupFailed(f"not ready after {timeout:.0f} s:\n{details}")
            if pending and now > next_note:
                slow = ", ".join(f"{child.name} ({answers.get(child.name)})" for child in pending)
                print(f"  still waiting after {now - started:.0f} s for {slow}", flush=True)
                next_note += SLOW_NOTE_EVERY_SECONDS
            time.sleep(0.2)


def _run_state(var: Path, url: str, started_at: str, children: Sequence[Child]) -> dict[str, object]:
    return {
        "launcher_pid": os.getpid(),
        "started_at": started_at,
        "var": str(var),
        "url": url,
        "processes": [
            {"name": child.name, "pid": child.pid, "port": child.port, "url": child.url,
             "log": str(child.log_path)}
            for child in children
        ],
    }


def _main_url(nats: Child, children: dict[str, Child]) -> str:
    """The one URL: the gateway's; before there is a gateway, the first service's (or NATS)."""
    if GATEWAY in children:
        return children[GATEWAY].url
    return next(iter(children.values()), nats).url


def _announce(url: str, nats: Child, children: dict[str, Child]) -> None:
    if GATEWAY in children:
        print(f"\nDorfmarktplatz runs at {url}   (Ctrl-C stops it)", flush=True)
    elif not children:
        print(f"\nNo services are installed yet (none declares the entry point group {ENTRY_POINT_GROUP}); "
              f"only NATS runs, at {nats.url}   (Ctrl-C stops it)", flush=True)
    else:
        print("\nNo gateway is installed yet; the services answer at:", flush=True)
        for name, child in children.items():
            print(f"  {name:<14} {child.url}", flush=True)
        print("(Ctrl-C stops them)", flush=True)


def _nats_child(var: Path, port: int) -> Child:
    command = [sys.executable, "-m", "launcher.natsrunner", "--store", str(var / "nats"), "--port", str(port)]
    return Child("nats", command, env=dict(os.environ), log_path=var / "logs" / "nats.log", port=port,
                 url=f"nats://{HOST}:{port}")


def _service_child(service: Service, logs: Path, ports: dict[str, int], env: dict[str, str]) -> Child:
    port = ports[service.name]
    command = [sys.executable, "-m", "launcher.serve", service.target, "--port", str(port)]
    return Child(service.name, command, env=env, log_path=logs / f"{service.name}.log", port=port,
                 url=http_url(port))


def _supervise(children: Sequence[Child], on_restart: Callable[[], None]) -> NoReturn:
    """Until a signal ends it: restart what dies (see processes.Child.supervise)."""
    while True:
        now = time.monotonic()
        if [child for child in children if child.supervise(now)]:
            on_restart()
        time.sleep(0.5)


def run_up(services: Sequence[Service], options: UpOptions) -> int:
    var = options.var
    previous = runfile.read(var)
    if previous is not None and runfile.pid_alive(int(previous.get("launcher_pid", 0))):
        raise SystemExit(f"dorf: already running from {var} (launcher pid {previous['launcher_pid']}); "
                         f"see `dorf status`")

    planner = PortPlanner()
    nats_port = planner.claim(options.nats_port or DEFAULT_NATS_PORT, what="NATS",
                              explicit=options.nats_port is not None)
    ports = _plan_ports(services, options, planner)
    issuer = issuer_url(ports)
    if issuer == NO_ISSUER and services:
        print(f"dorf: {ISSUER} is not started and OIDC_ISSUER is not set: no token will be accepted")

    for service in services:
        if service.has_database:
            print("migrated " + migrate(service, database_url(service, var)).describe(), flush=True)

    logs = var / "logs"
    nats = _nats_child(var, nats_port)
    children = {
        service.name: _service_child(service, logs, ports, child_environment(
            service, var=var, nats_url=nats.url, ports=ports, issuer=issuer,
            personal_data_services=personal_data_holders(services)))
        for service in services
    }
    stages = [[nats]] + [[children[service.name] for service in stage] for stage in _stages(services)]
    everyone = [child for stage in stages for child in stage]

    url = _main_url(nats, children)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")

    def write_run_file() -> None:
        runfile.write(var, _run_state(var, url, started_at, everyone))

    previous_handlers = {sig: signal.signal(sig, _request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for stage in stages:
            print(f"starting {', '.join(child.name for child in stage)} ...", flush=True)
            for child in stage:
                child.start()
            _wait_until_ready(stage, options.ready_timeout)
        write_run_file()
        if options.demo:
            seeded = seed_demo(services, {name: child.env for name, child in children.items()})
            print(f"demo data: {', '.join(seeded) or 'no service has any yet'}", flush=True)
        _announce(url, nats, children)
        print(f"logs in {logs}, processes in {runfile.path(var)}", flush=True)
        _supervise(everyone, on_restart=write_run_file)
    except (StartupFailed, SeedFailed) as error:
        print(f"dorf: {error}", file=sys.stderr, flush=True)
        return 1
    except StopRequested as request:
        print(f"\ndorf: {request} received, stopping ...", flush=True)
        return 0
    finally:
        # A second Ctrl-C must not cut the clean stop short; it is bounded by the grace periods anyway.
        for sig in previous_handlers:
            signal.signal(sig, signal.SIG_IGN)
        for stage in reversed(stages):  # the gateway first, NATS last: services flush their events
            stop(stage)
        runfile.remove(var)
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
        print("dorf: stopped", flush=True)
