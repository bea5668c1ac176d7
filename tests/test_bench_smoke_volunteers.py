"""CI runs benchmarks only as smoke runs: the volunteers matching and stampede benchmark must run end to
end, report, and find the stampede correct."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_volunteers_matching_smoke(tmp_path: Path) -> None:
    report_path = tmp_path / "volunteers.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "volunteers_matching.py"), "--smoke", "--json", str(report_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in ("shifts_for_volunteer", "volunteers_for_shift", "signup_stampede"):
        assert f"SUMMARY sqlite     {name}" in done.stdout
    report = json.loads(report_path.read_text())
    assert report["smoke"] is True and report["environment"]["nproc"] >= 1
    [result] = report["results"]
    for name in ("shifts_for_volunteer", "volunteers_for_shift"):
        assert 0 < result[name]["p50_ms"] <= result[name]["p95_ms"]
        assert result[name]["mean_results"] > 0  # the search finds something to rank
        assert result[f"{name}_baseline"]["n"] > 0
    race = result["stampede"]
    assert race["incorrect_rounds"] == [] and race["rounds"] == 2
    assert race["contended"]["n"] == race["rounds"] * race["people"]
    assert race["sequential_baseline"]["n"] == race["people"]
