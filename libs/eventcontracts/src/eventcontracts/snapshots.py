"""JSON-schema snapshots of every event, and the compatibility rule between a snapshot and the code.

    python -m eventcontracts.snapshots            # check: exit 1 if anything differs
    python -m eventcontracts.snapshots --write    # record new events and compatible (additive) changes

A change is compatible when every consumer of the old schema still understands new events and every
consumer of the new schema still understands events already in the streams: no field removed, renamed
or retyped, the required fields unchanged, and new fields optional (with a default). Anything else
needs a new version (`...V2`, type `....v2`), published beside the old one until consumers move;
`--write` refuses to record an incompatible change."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from eventcontracts import all_contracts
from platformkit.events import Event

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
DOC_KEYS = {"title", "description", "examples"}


def schema_of(cls: type[Event]) -> dict[str, Any]:
    schema = cls.model_json_schema(mode="validation")
    return {"x-event-type": cls.type, **schema}


def snapshot_path(event_type: str, directory: Path = SCHEMAS_DIR) -> Path:
    return directory / f"{event_type}.json"


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def _strip_docs(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _strip_docs(value) for key, value in node.items() if key not in DOC_KEYS}
    if isinstance(node, list):
        return [_strip_docs(value) for value in node]
    return node


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why `new` cannot keep the version of `old` (empty: compatible)."""
    problems: list[str] = []
    _compare(_strip_docs(old), _strip_docs(new), "", problems)
    old_defs, new_defs = old.get("$defs", {}), new.get("$defs", {})
    for name, definition in old_defs.items():
        if name not in new_defs:
            problems.append(f"$defs/{name}: removed")
        else:
            _compare(_strip_docs(definition), _strip_docs(new_defs[name]), f"$defs/{name}", problems)
    return problems


def _compare(old: dict[str, Any], new: dict[str, Any], where: str, problems: list[str]) -> None:
    if "properties" in old or "properties" in new:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name in sorted(old_props):
            if name not in new_props:
                problems.append(f"{where}/{name}: removed")
            else:
                _compare(old_props[name], new_props[name], f"{where}/{name}", problems)
        for name in sorted(old_required - new_required):
            if name in new_props:
                problems.append(f"{where}/{name}: was required, now optional (old consumers rely on it)")
        for name in sorted(new_required - old_required):
            problems.append(f"{where}/{name}: new required field (events already stored lack it)")
        rest_old = {k: v for k, v in old.items() if k not in {"properties", "required", "$defs"}}
        rest_new = {k: v for k, v in new.items() if k not in {"properties", "required", "$defs"}}
        if rest_old != rest_new:
            problems.append(f"{where or '/'}: object settings changed: {rest_old} -> {rest_new}")
        return
    if old != new:
        problems.append(
            f"{where}: changed from {json.dumps(old, sort_keys=True)} to {json.dumps(new, sort_keys=True)}"
        )


def check(directory: Path = SCHEMAS_DIR) -> tuple[list[str], list[str]]:
    """(incompatible, needs_write): what the check finds, one line each."""
    contracts = all_contracts()
    incompatible: list[str] = []
    needs_write: list[str] = []
    for event_type, cls in contracts.items():
        path = snapshot_path(event_type, directory)
        current = schema_of(cls)
        if not path.exists():
            needs_write.append(f"{event_type}: no snapshot yet")
            continue
        stored = json.loads(path.read_text())
        if stored == current:
            continue
        problems = incompatibilities(stored, current)
        if problems:
            incompatible.extend(f"{event_type}: {problem}" for problem in problems)
        else:
            needs_write.append(f"{event_type}: compatible change not yet recorded")
    for path in sorted(directory.glob("*.json")):
        if path.stem not in contracts:
            incompatible.append(
                f"{path.stem}: snapshot without an event class (a published version was removed; if every "
                "consumer has moved on, delete the snapshot deliberately)"
            )
    return incompatible, needs_write


def write(directory: Path = SCHEMAS_DIR) -> list[str]:
    """Record new events and compatible changes; returns what was written. Refuses incompatible ones."""
    incompatible, _ = check(directory)
    if incompatible:
        raise SystemExit(
            "refusing to write: incompatible changes need a new version:\n  " + "\n  ".join(incompatible)
        )
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type, cls in all_contracts().items():
        path = snapshot_path(event_type, directory)
        text = render(schema_of(cls))
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(event_type)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eventcontracts.snapshots",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--write", action="store_true", help="record new events and compatible changes")
    args = parser.parse_args(argv)
    if args.write:
        for event_type in write():
            sys.stdout.write(f"wrote {snapshot_path(event_type)}\n")
        return 0
    incompatible, needs_write = check()
    for line in incompatible:
        sys.stdout.write(f"INCOMPATIBLE {line}\n")
    for line in needs_write:
        sys.stdout.write(f"NOT RECORDED {line} (run: python -m eventcontracts.snapshots --write)\n")
    return 1 if incompatible or needs_write else 0


if __name__ == "__main__":
    raise SystemExit(main())
