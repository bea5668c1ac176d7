"""The gateway's process tests: one platform (nats-server, accounts, the gateway, a stand-in marketplace,
all started by `dorf up`) per test module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from platform_run import Platform  # noqa: E402


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    running = Platform(tmp_path_factory.mktemp("platform") / "var")
    try:
        yield running
    finally:
        running.stop()
