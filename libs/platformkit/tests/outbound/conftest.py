from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from outbound_testkit import new_database  # noqa: E402

from platformkit.db import Database  # noqa: E402


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await new_database(database_url)
    try:
        yield database
    finally:
        await database.dispose()
