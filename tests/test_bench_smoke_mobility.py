"""CI runs the mobility benchmark only as a smoke run: it must run end to end and report (not how fast)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mobility_matching_smoke(tmp_path: Path) -> None:
    report_path = tmp_path / "mobility.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "mobility_matching.py"), "--smoke", "--json", str(report_path)],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "RESULT sqlite     matching 200 instances on 20 corridors" in done.stdout
    report = json.loads(report_path.read_text())
    assert report["smoke"] is True and report["environment"]["nproc"] >= 1
    (matching,) = report["matching"]
    assert matching["open_instances"] == 200 and matching["feasible_per_request"] > 0
    assert 0 < matching["match_ms"]["median"] <= matching["match_ms"]["p95"]
    (contention,) = report["contention"]
    assert contention["correct"] is True
    assert contention["outcome"] == {"matched_private": 3, "fallback_planned": 20, "CAPACITY_EXHAUSTED": 7}
    (imported,) = report["import"]
    feeds = {feed["feed"]: feed for feed in imported["feeds"]}
    assert feeds["transitfeed-good-feed"]["stop_times"] == 28 and feeds["bbnavi-uckermark-rufbus-flex"]["stops"] == 378
    assert all(feed["import_ms"]["median"] > 0 for feed in feeds.values())
