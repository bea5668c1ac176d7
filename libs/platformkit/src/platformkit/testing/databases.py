"""Clean databases for tests: a fresh SQLite file, or a fresh schema in a PostgreSQL test database.

In CI (CI=true) PostgreSQL must be reachable: a missing server fails the run instead of skipping."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/dorf_test"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def postgres_base_url() -> str:
    return os.environ.get("DORF_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_unavailable_reason() -> str | None:
    """None when the test database answers (creating it if needed), else why not."""
    url = make_url(postgres_base_url())
    try:
        with psycopg.connect(_libpq(str(url)), connect_timeout=3):
            return None
    except psycopg.OperationalError as error:
        if f'database "{url.database}" does not exist' not in str(error):
            return f"PostgreSQL at {url.host}:{url.port} is not reachable ({str(error).strip()[:120]})"
    admin = url.set(database="postgres")
    try:
        with psycopg.connect(_libpq(str(admin)), autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'CREATE DATABASE "{url.database}"')
    except psycopg.errors.DuplicateDatabase:
        pass  # another test worker created it first
    except psycopg.OperationalError as error:
        return f"cannot create the test database {url.database}: {error}"
    return None


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections see only a new, empty schema; the schema is dropped afterwards."""
    base = postgres_base_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq(base), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def sqlite_url(directory: Path, name: str = "service") -> str:
    return f"sqlite:///{quote(str(directory / f'{name}.db'))}"
