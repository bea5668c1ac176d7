"""Running the real `dorf` command in a subprocess, against a temporary var/ folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from launcher import runfile
from platformkit.natsserver import free_port

REPO = Path(__file__).resolve().parents[3]
DORF = Path(sys.executable).parent / "dorf"
# The sample service lives beside platformkit's tests, our variant with demo data beside these.
CHILD_PYTHONPATH = os.pathsep.join([str(REPO / "libs/platformkit/tests"), str(Path(__file__).parent)])
SERVICES = "launcher_demo_spec:service,launcher_gateway_spec:service"
TIMEOUT = 120.0


def wait_for(condition: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def dorf_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": CHILD_PYTHONPATH, "DORF_SERVICES": SERVICES, **extra}
    env.pop("OIDC_ISSUER", None)
    return env


def dorf(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A `dorf` command that ends by itself (migrate, seed, status, a failing up)."""
    return subprocess.run([str(DORF), *args], env=env or dorf_env(), capture_output=True, text=True,
                          timeout=TIMEOUT, cwd=REPO)


class RunningDorf:
    """`dorf up` in the background, its output in a file."""

    def __init__(self, var: Path, *args: str, only: str = "sample") -> None:
        self.var = var
        self.output_path = var.parent / f"{var.name}-dorf-up.out"
        with self.output_path.open("wb") as output:
            # Explicit free ports: tests run in parallel, and 4222/8001 may belong to someone else.
            ports = ["--nats-port", str(free_port()), "--service-port", str(free_port())]
            self.process = subprocess.Popen(
                [str(DORF), "up", "--var", str(var), "--only", only, *ports, *args],
                env=dorf_env(), stdout=output, stderr=subprocess.STDOUT, cwd=REPO,
            )

    @property
    def output(self) -> str:
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    def state(self) -> dict[str, Any]:
        """var/run.json, once everything is ready (it is written then)."""
        def ready() -> dict[str, Any] | None:
            assert self.process.poll() is None, f"dorf up exited early:\n{self.output}"
            return runfile.read(self.var)
        state: dict[str, Any] = wait_for(ready, "dorf up to be ready")
        return state

    def pids(self) -> list[int]:
        """Every process dorf up started, nats-server (a grandchild) included."""
        state = self.state()
        pids = [int(process["pid"]) for process in state["processes"]]
        nats_log = (self.var / "logs" / "nats.log").read_text(encoding="utf-8")
        pids += [int(line.split()[2]) for line in nats_log.splitlines()
                 if line.startswith("nats-server pid ")]
        return pids

    def signal(self, sig: signal.Signals) -> None:
        os.kill(self.process.pid, sig)

    def wait(self) -> int:
        return self.process.wait(timeout=TIMEOUT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def never_connected(listener: socket.socket) -> bool:
    try:
        connection, _ = listener.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False
