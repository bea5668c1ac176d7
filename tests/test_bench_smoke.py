"""CI runs benchmarks only as smoke runs: the event spine benchmark must run end to end and report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_events_throughput_smoke(tmp_path: Path) -> None:
    report_path = tmp_path / "events.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "events_throughput.py"), "--smoke", "--json", str(report_path)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "SUMMARY sqlite     throughput" in done.stdout and "SUMMARY sqlite     latency" in done.stdout
    report = json.loads(report_path.read_text())
    assert report["smoke"] is True and report["environment"]["nproc"] >= 1
    modes = {(row["database"], row["mode"]): row for row in report["summary"]}
    assert set(modes) == {("sqlite", "throughput"), ("sqlite", "latency")}
    for row in modes.values():
        assert row["events_per_second"]["median"] > 0
        assert 0 < row["p50_ms"]["median"] <= row["p99_ms"]["median"]
    assert all(run["events"] > 0 and run["cpu_ms_per_event"]["consumer"] > 0 for run in report["runs"])
