"""The gateway's test fixtures (defined in gwhelpers.py, beside the tests, importable by them)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from gwhelpers import running_gateway  # noqa: E402,F401 - a fixture


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "gateway_settings(**values): settings for the running_gateway fixture")
