"""CI runs the marketplace benchmarks only as smoke runs: both must run end to end and report (search
latencies over a small catalogue; checkouts on one hot product with exactly the stock sold)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, report: Path) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--smoke", "--json", str(report)],
                          capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_marketplace_search_smoke(tmp_path: Path) -> None:
    out = run("marketplace_search.py", tmp_path / "search.json")
    assert "RESULT sqlite" in out
    report = json.loads((tmp_path / "search.json").read_text())
    assert report["smoke"] is True and report["environment"]["nproc"] >= 1
    (result,) = report["results"]
    assert result["database"] == "sqlite" and result["products"] == 2_000
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
    # The queries really searched: umlaut spellings find the same products, a rare word nothing.
    assert result["hits"]["Käse"] == result["hits"]["kase"] == result["hits"]["Kaese"] > 0
    assert result["hits"]["saft"] > 0 and result["hits"]["zzyzx"] == 0


@pytest.mark.slow
def test_marketplace_checkout_smoke(tmp_path: Path) -> None:
    out = run("marketplace_checkout.py", tmp_path / "checkout.json")
    assert "SUMMARY sqlite" in out
    report = json.loads((tmp_path / "checkout.json").read_text())
    (run_,) = report["runs"]
    assert run_["checkout"]["placed"] == report["stock"] == 40
    assert run_["checkout"]["statuses"] == {"201": 40, "409": 20}
    assert run_["checkout"]["on_hand"] == 0 and run_["checkout"]["oversold"] is False
    assert run_["baseline"]["taken"] == 40 and run_["baseline"]["ledger"] == -40
    assert report["summary"][0]["orders_per_second"]["median"] > 0
