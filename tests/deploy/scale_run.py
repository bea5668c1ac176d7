"""The platform scaled out on one machine: two replicas of every service and of the gateway as processes
(`python -m launcher.serve`, as the image runs them), one PostgreSQL (a schema per service, as a database
per service in production), one nats-server, and in front of each pair a round-robin TCP balancer that
stands in for a Kubernetes Service: a new connection goes to the next replica that accepts it.

Each process gets the environment `dorf up` would give it (launcher.environment.child_environment), with
every address pointing at a balancer, never at one replica."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import workspace
from sqlalchemy import create_engine, pool

from launcher.discovery import GATEWAY, ISSUER, Service, load_spec
from launcher.environment import child_environment, personal_data_holders
from platformkit.db import sync_url
from platformkit.migrations import upgrade
from platformkit.natsserver import NatsServer, free_port
from platformkit.testing.databases import postgres_schema_url

HERE = Path(__file__).resolve().parent
PROBE_TARGET = "scale_probe:service"
REPLICAS = 2
START_TIMEOUT = 120.0


class Balancer:
    """A Kubernetes Service on loopback: round robin over the replicas' ports, skipping one that refuses."""

    def __init__(self, name: str, backends: list[int]) -> None:
        self.name = name
        self.backends = backends
        self.port = 0  # the kernel's choice at bind time (serve), so nothing can take it in between
        self._next = itertools.cycle(range(len(backends)))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def serve(self) -> asyncio.Server:
        server = await asyncio.start_server(self._connection, "127.0.0.1", self.port)
        self.port = int(server.sockets[0].getsockname()[1])
        return server

    async def _connection(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        upstream = None
        for _ in self.backends:
            try:
                upstream = await asyncio.open_connection("127.0.0.1", self.backends[next(self._next)])
                break
            except OSError:
                continue  # that replica is gone: like an endpoint the readiness probe removed
        if upstream is None:
            client_writer.close()
            return
        upstream_reader, upstream_writer = upstream
        await asyncio.gather(_pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer),
                             return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            writer.close()


@dataclass
class Replica:
    name: str
    index: int
    port: int
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    def kill(self) -> None:
        """kill -9: no shutdown, no lease released, no ack sent."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else "(no log)"
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class ScaledPlatform:
    folder: Path
    nats: NatsServer
    database_urls: dict[str, str]
    services: list[Service]
    balancers: dict[str, Balancer] = field(default_factory=dict)
    replicas: dict[str, list[Replica]] = field(default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = None

    @property
    def gateway(self) -> str:
        return self.balancers[GATEWAY].url

    def start(self) -> None:
        for service in self.services:
            self.balancers[service.name] = Balancer(service.name, [free_port() for _ in range(REPLICAS)])
        self._start_balancers()
        ports = {name: balancer.port for name, balancer in self.balancers.items()}
        issuer = f"{self.balancers[GATEWAY].url}/api/{ISSUER}"
        holders = personal_data_holders(self.services)
        (self.folder / "logs").mkdir(parents=True, exist_ok=True)
        for service in self.services:
            env = child_environment(service, var=self.folder, nats_url=self.nats.url, ports=ports, issuer=issuer,
                                    personal_data_services=holders)
            env.update(
                LOG_LEVEL="WARNING",
                PYTHONPATH=os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]),
                OUTBOX_POLL_SECONDS="0.2",
                RATE_LIMIT_ENABLED="false",  # the load comes from one address on purpose
                GATEWAY_REPLICAS=str(REPLICAS),
            )
            if service.name in self.database_urls:
                env["DATABASE_URL"] = self.database_urls[service.name]
            self.replicas[service.name] = [
                Replica(service.name, index, port,
                        [sys.executable, "-m", "launcher.serve", service.target, "--port", str(port)], env,
                        self.folder / "logs" / f"{service.name}-{index}.log")
                for index, port in enumerate(self.balancers[service.name].backends)
            ]
        # accounts first (everyone's tokens and keys), the gateway last, as `dorf up` starts them.
        for stage in ([ISSUER], [s.name for s in self.services if s.name not in (ISSUER, GATEWAY)], [GATEWAY]):
            group = [replica for name in stage for replica in self.replicas.get(name, [])]
            for replica in group:
                replica.start()
            self._wait_ready(group)

    def _start_balancers(self) -> None:
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="balancers", daemon=True).start()
        for balancer in self.balancers.values():
            asyncio.run_coroutine_threadsafe(balancer.serve(), self._loop).result(timeout=10)

    def _wait_ready(self, group: list[Replica]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        waiting = list(group)
        with httpx.Client(timeout=2.0) as http:
            while waiting:
                replica = waiting[0]
                assert replica.process is not None
                if replica.process.poll() is not None:
                    raise AssertionError(f"{replica.name}-{replica.index} exited:\n{replica.log_tail()}")
                try:
                    if http.get(f"{replica.url}/readyz").status_code == 200:
                        waiting.pop(0)
                        continue
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"{replica.name}-{replica.index} not ready:\n{replica.log_tail()}")
                time.sleep(0.3)

    def stop(self) -> None:
        for group in self.replicas.values():
            for replica in group:
                replica.stop()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)


def _create_probe_tables(url: str) -> None:
    from scale_probe import metadata

    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()


@contextlib.contextmanager
def scaled_platform(folder: Path) -> Iterator[ScaledPlatform]:
    """Every service of the workspace and the probe, each migrated into its own schema, two replicas each."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    services = [Service(item.name, item.target, item.spec) for item in workspace.workloads()]
    services.append(Service("scaleprobe", PROBE_TARGET, load_spec(PROBE_TARGET)))
    nats = NatsServer(folder / "nats")
    nats.start()
    platform: ScaledPlatform | None = None
    with contextlib.ExitStack() as schemas:
        try:
            urls = {service.name: schemas.enter_context(postgres_schema_url())
                    for service in services if service.spec.metadata is not None}
            for service in services:  # the migration jobs, before any replica starts
                if service.name == "scaleprobe":
                    _create_probe_tables(urls[service.name])
                elif service.name in urls:
                    upgrade(service.spec, urls[service.name])
            platform = ScaledPlatform(folder, nats, urls, services)
            platform.start()
            yield platform
        finally:
            if platform is not None:
                platform.stop()
            nats.stop()
