"""`dorf test`: the whole suite as CI runs it: ruff, mypy over every package, then pytest in parallel.

Every step runs even when an earlier one failed, so one run shows all there is to fix."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

PYTEST_NO_TESTS_COLLECTED = 5
SOURCE_GLOBS = ("libs/*/src", "services/*/src", "gateway/src", "web/src", "tools/launcher/src")
TEST_FOLDERS = ("libs", "services", "gateway", "tests", "tools")


def source_folders(root: Path) -> list[Path]:
    return sorted(folder for pattern in SOURCE_GLOBS for folder in root.glob(pattern) if folder.is_dir())


def any_tests_exist(root: Path) -> bool:
    return any(
        next((root / folder).rglob(pattern), None) is not None
        for folder in TEST_FOLDERS if (root / folder).is_dir()
        for pattern in ("test_*.py", "*_test.py")
    )


def _run(name: str, command: Sequence[str], root: Path, env: dict[str, str] | None = None) -> int:
    print(f"\n=== {name}: {' '.join(command)}", flush=True)
    return subprocess.run(list(command), cwd=root, env=env).returncode


def run_checks(root: Path, pytest_args: Sequence[str]) -> int:
    folders = source_folders(root)
    # The packages are installed editable without py.typed; MYPYPATH makes mypy read them as sources.
    mypy_env = {**os.environ, "MYPYPATH": os.pathsep.join(str(folder) for folder in folders)}
    results = {
        "ruff": _run("ruff", [sys.executable, "-m", "ruff", "check", "."], root),
        "mypy": _run("mypy", [sys.executable, "-m", "mypy", *(str(f.relative_to(root)) for f in folders)],
                     root, mypy_env),
        # loadfile: a test module's fixtures (a nats-server, a running platform) start once, on one worker.
        "pytest": _run("pytest", [sys.executable, "-m", "pytest", "-n", "auto", "--dist", "loadfile",
                                  *pytest_args], root),
    }
    if results["pytest"] == PYTEST_NO_TESTS_COLLECTED and any_tests_exist(root):
        print("dorf test: pytest selected no tests from those given; not counted as a failure")
        results["pytest"] = 0
    print("\ndorf test: " + ", ".join(f"{name} {'ok' if code == 0 else f'FAILED ({code})'}"
                                     for name, code in results.items()))
    return 0 if all(code == 0 for code in results.values()) else 1
