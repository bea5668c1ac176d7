"""Fixtures for the launcher's tests; the helpers are in dorfrun.py."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# In-process imports of the sample service (discovery tests) and of the helpers beside this file.
for folder in (HERE, HERE.parents[2] / "libs/platformkit/tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from dorfrun import RunningDorf  # noqa: E402


@pytest.fixture
def start_dorf(tmp_path: Path) -> Iterator[Callable[..., RunningDorf]]:
    started: list[RunningDorf] = []

    def start(*args: str, only: str = "sample") -> RunningDorf:
        running = RunningDorf(tmp_path / f"var{len(started)}", *args, only=only)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def listening_socket() -> Iterator[socket.socket]:
    """A port someone else listens on (like the machine's own NATS on 4222)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        yield listener


