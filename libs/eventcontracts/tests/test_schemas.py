"""Every event's JSON schema matches its checked-in snapshot, and changes that keep the version are
additive only. To record a new event or an additive change: `python -m eventcontracts.snapshots --write`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from pydantic import BaseModel

from eventcontracts import all_contracts
from eventcontracts.accounts import PersonErasedV1
from eventcontracts.snapshots import check, incompatibilities, schema_of, write
from platformkit.events import Event, EventDefinitionError, decode, encode


def test_every_snapshot_matches_its_event() -> None:
    incompatible, needs_write = check()
    assert incompatible == [], "incompatible event changes need a new version (…V2):\n" + "\n".join(
        incompatible
    )
    assert needs_write == [], (
        "run `python -m eventcontracts.snapshots --write` and commit the snapshots:\n"
        + "\n".join(needs_write)
    )


def test_contracts_live_in_their_producers_module() -> None:
    contracts = all_contracts()
    assert "accounts.person.erased.v1" in contracts
    for event_type, cls in contracts.items():
        service = event_type.split(".")[0]
        assert cls.__module__ == f"eventcontracts.{service}", (
            f"{cls.__name__} belongs in eventcontracts/{service}.py"
        )


def test_person_erased_round_trips_through_the_envelope() -> None:
    event = PersonErasedV1(person_id=uuid4(), erased_at=datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    subject, headers, body = encode(event, source="/services/accounts")
    assert subject == "accounts.person.erased.v1"
    assert headers["ce-subject"] == str(event.person_id)
    envelope, decoded = decode(headers, body, PersonErasedV1)
    assert decoded == event and envelope.source == "/services/accounts"


def _schema(fields: dict[str, Any], name: str = "ThingChangedV1") -> dict[str, Any]:
    model = type(
        name,
        (BaseModel,),
        {
            "__annotations__": {k: v[0] for k, v in fields.items()},
            **{k: v[1] for k, v in fields.items() if v[1] is not ...},
        },
    )
    return model.model_json_schema()


BASE = {"thing_id": (str, ...), "count": (int, ...)}


@pytest.mark.parametrize(
    ("change", "fields", "compatible"),
    [
        ("new optional field", {**BASE, "note": (str | None, None)}, True),
        ("field removed", {"thing_id": (str, ...)}, False),
        ("field retyped", {"thing_id": (str, ...), "count": (str, ...)}, False),
        ("new required field", {**BASE, "note": (str, ...)}, False),
        ("required became optional", {"thing_id": (str, ...), "count": (int, 0)}, False),
    ],
)
def test_compatibility_rule(change: str, fields: dict[str, Any], compatible: bool) -> None:
    problems = incompatibilities(_schema(BASE), _schema(fields))
    assert (problems == []) is compatible, f"{change}: {problems}"


def test_write_refuses_an_incompatible_change(tmp_path: Path) -> None:
    write(tmp_path)
    path = tmp_path / "accounts.person.erased.v1.json"
    stored = json.loads(path.read_text())
    stored["properties"]["legacy_id"] = {"type": "string"}  # as if the code had dropped a field
    path.write_text(json.dumps(stored))
    incompatible, _ = check(tmp_path)
    assert any("legacy_id: removed" in line for line in incompatible)
    with pytest.raises(SystemExit, match="incompatible"):
        write(tmp_path)


def test_write_records_an_additive_change(tmp_path: Path) -> None:
    write(tmp_path)
    path = tmp_path / "accounts.person.erased.v1.json"
    stored = json.loads(path.read_text())
    stored["properties"]["erased_at"]["title"] = "renamed docs only"
    path.write_text(json.dumps(stored))  # a cosmetic difference: compatible, but not recorded
    incompatible, needs_write = check(tmp_path)
    assert incompatible == [] and len(needs_write) == 1
    assert write(tmp_path) == ["accounts.person.erased.v1"]
    assert json.loads(path.read_text()) == schema_of(PersonErasedV1)


def test_event_naming_rules_are_enforced() -> None:
    with pytest.raises(EventDefinitionError, match="past_tense"):

        class BadName(Event):
            type: ClassVar[str] = "accounts.PersonErased"

    with pytest.raises(EventDefinitionError, match="must end in V2"):

        class ThingMovedV1(Event):
            type: ClassVar[str] = "contracts_test.thing.moved.v2"

    with pytest.raises(EventDefinitionError, match="defined twice"):

        class PersonErasedV1(Event):  # noqa: F811 - the clash is the point
            type: ClassVar[str] = "accounts.person.erased.v1"
