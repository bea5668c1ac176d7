"""Each service's database: where it is, and bringing it to the newest migration.

The embedded default is one SQLite file per service, `var/<name>.db`. `<NAME>_DATABASE_URL` in the
environment (e.g. MARKETPLACE_DATABASE_URL=postgresql://...) points a service elsewhere, for
`dorf up`, `dorf migrate` and `dorf seed` alike."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from alembic.migration import MigrationContext
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import make_url

from launcher.discovery import Service
from platformkit.db import is_sqlite, sync_url
from platformkit.migrations import upgrade


def database_url(service: Service, var: Path) -> str:
    override = os.environ.get(f"{service.env_name}_DATABASE_URL")
    return override or f"sqlite:///{var / f'{service.name}.db'}"


def shown(url: str) -> str:
    """A URL fit to print: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def current_revision(url: str) -> str | None:
    if is_sqlite(url) and not Path(make_url(url).database or "").exists():
        return None  # asking would create the file as a side effect
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Migration:
    service: str
    url: str
    before: str | None
    after: str | None

    def describe(self) -> str:
        where = shown(self.url)
        if self.before == self.after:
            return f"{self.service}: already at {self.after} ({where})"
        return f"{self.service}: {self.before or 'empty'} -> {self.after} ({where})"


def migrate(service: Service, url: str) -> Migration:
    if service.spec.migrations is None:
        raise SystemExit(f"dorf: service {service.name} has tables but no migrations package")
    before = current_revision(url)
    upgrade(service.spec, url)
    return Migration(service.name, url, before, current_revision(url))
