"""CI runs the alerts benchmarks only as smoke runs: each must run end to end and report (not how fast)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, report: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--smoke", "--json", str(report)],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_alerts_matching_smoke(tmp_path: Path) -> None:
    output = run("alerts_matching.py", tmp_path / "matching.json")
    assert "RESULT sqlite     2,000 subscriptions" in output
    report = json.loads((tmp_path / "matching.json").read_text())
    assert report["smoke"] is True and report["environment"]["nproc"] >= 1
    (result,) = report["results"]
    assert result["subscriptions"] == 2_000 and 0 < result["recipients"] < 2_000
    assert result["match_ms"]["median"] > 0 and result["full_scan_ms"]["median"] > 0


@pytest.mark.slow
def test_alerts_ingest_smoke(tmp_path: Path) -> None:
    output = run("alerts_ingest.py", tmp_path / "ingest.json")
    assert "RESULT initial" in output and "RESULT etag" in output
    report = json.loads((tmp_path / "ingest.json").read_text())
    modes = report["modes"]
    assert modes["initial"]["parsed"] == report["warnings"] == 20 and modes["initial"]["active"] == 20
    for mode in ("etag", "same body", "new etag", "reordered"):
        assert modes[mode]["parsed"] == 0 and modes[mode]["notices"] == 0 and modes[mode]["removed"] == 0, mode
        assert modes[mode]["active"] == 20
    assert modes["etag"]["requests"] == 1  # the list alone, answered 304
