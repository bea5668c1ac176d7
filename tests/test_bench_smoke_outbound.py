"""CI runs benchmarks only as smoke runs: the outbound webhook benchmark must run end to end and report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_outbound_webhooks_smoke(tmp_path: Path) -> None:
    report_path = tmp_path / "outbound.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "outbound_webhooks.py"), "--smoke", "--json", str(report_path)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "SUMMARY baseline" in done.stdout and "SUMMARY sqlite" in done.stdout
    report = json.loads(report_path.read_text())
    assert report["smoke"] is True and report["messages"] == 100
    modes = {(row["mode"], row["database"]): row for row in report["summary"]}
    assert set(modes) == {("baseline", None), ("sender", "sqlite")}
    for row in modes.values():
        assert row["messages_per_second"] > 0 and row["cpu_ms_per_message"] > 0
    assert modes[("sender", "sqlite")]["enqueue_per_second"] > 0
