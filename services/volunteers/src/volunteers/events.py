"""Events volunteers consumes: none through its own consumers. `accounts.person.erased.v1` reaches the
service through the personal-data contract (ServiceSpec.personal_data, crud.personal_data.erase), whose
consumer platformkit runs. What it publishes is in eventcontracts.volunteers."""

from __future__ import annotations

from typing import Any

consumers: list[Any] = []
