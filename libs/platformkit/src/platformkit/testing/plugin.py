"""The platformkit pytest plugin (registered through the `pytest11` entry point).

Fixtures: `nats_server` (a real nats-server with JetStream on a free port), `database_url` (every test
using it runs on SQLite and on PostgreSQL), and `token_factory` (tokens signed by a test key set)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from platformkit.natsserver import NatsServer
from platformkit.testing.databases import (
    in_ci,
    postgres_schema_url,
    postgres_unavailable_reason,
    sqlite_url,
)

_postgres_reason: list[str | None] = []


def require_postgres() -> None:
    """Skip (outside CI) or fail (in CI) when PostgreSQL is not there."""
    if not _postgres_reason:
        _postgres_reason.append(postgres_unavailable_reason())
    reason = _postgres_reason[0]
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"CI needs PostgreSQL: {reason}")
    pytest.skip(f"no PostgreSQL: {reason}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A clean, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    require_postgres()
    with postgres_schema_url() as url:
        yield url


@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path)


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A fresh nats-server with JetStream, its store in the test's own folder."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    try:
        yield server
    finally:
        server.stop()


from platformkit.testing.tokens import attacker_issuer, oidc_issuer, token_factory  # noqa: F401, E402
