"""Start the spine services as real processes and talk to them (used by tests/test_event_spine.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from platformkit.natsserver import free_port

HERE = Path(__file__).parent


class ServiceProcess:
    def __init__(self, script: str, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.script = HERE / script
        self.name = name
        self.env = {**os.environ, **env}
        self.port = free_port()
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        log = self.log_path.open("ab")
        log.write(f"--- start #{self.starts}\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [sys.executable, str(self.script), str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()

    async def wait_live(self, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2.0) as http:
            while True:
                if self.process is not None and self.process.poll() is not None:
                    raise AssertionError(
                        f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                    )
                try:
                    if (await http.get(f"{self.url}/livez")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.name} did not come up:\n{self.log_tail()}")
                await asyncio.sleep(0.1)

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    async def stats(self) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=10.0) as http:
            response = await http.get(f"{self.url}/events/stats")
            response.raise_for_status()
            result: dict[str, Any] = response.json()
            return result

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
