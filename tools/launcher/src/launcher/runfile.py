"""var/run.json: what `dorf up` started (pids, ports, logs), for `dorf status` and for people."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def path(var: Path) -> Path:
    return var / "run.json"


def write(var: Path, content: dict[str, Any]) -> None:
    # Write then rename, so that a reader never sees half a file.
    temporary = var / "run.json.tmp"
    temporary.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path(var))


def read(var: Path) -> dict[str, Any] | None:
    try:
        content: dict[str, Any] = json.loads(path(var).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return content


def remove(var: Path) -> None:
    path(var).unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (exited, not yet reaped by its parent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return True  # no /proc (not Linux): os.kill said it exists
    return stat.rpartition(")")[2].split()[0] != "Z"
