"""The gateway-overhead benchmark's harness works: a smoke run (1 s per measurement) reports numbers for
the direct service, the bare proxy engine, the real gateway app (gateway.main:service with a
nats-server) and nginx, and the real gateway at a low rate with the default limits and without the
limiter. No thresholds here: a shared test box gives no stable timings; the ratios are judged by the
full run (bench/gateway_overhead.py, results in bench/RESULTS.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_gateway_overhead_smoke(tmp_path: Path) -> None:
    missing = [
        tool for tool in ("wrk", "nginx")
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists()
    ]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install {', '.join(missing)} (apt-get install wrk nginx)")
        pytest.skip(f"{', '.join(missing)} not installed (apt-get install wrk nginx)")
    out = tmp_path / "result.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gateway_overhead.py"), "--smoke", "--json", str(out)],
        capture_output=True, text=True, timeout=200, cwd=ROOT, check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "| gateway:own-uvicorn |" in run.stdout and "| gateway:real |" in run.stdout
    result = json.loads(out.read_text())
    summary = result["summary"]
    assert set(summary) == {"direct", "gateway:own-uvicorn", "gateway:real", "nginx"}
    for target, row in summary.items():
        assert row["rps_c32"] > 0 and row["p50_c1_ms"] > 0 and row["p99_paced_ms"] > 0, target
        assert row["errors"] == 0, (target, row)
    assert summary["gateway:own-uvicorn"]["cpu_us_per_req_proxy"] > 0
    assert summary["gateway:real"]["cpu_us_per_req_proxy"] > 0
    low = result["low_rate_summary"]
    assert set(low) == {"direct", "gateway:real", "gateway:real-default-limits", "gateway:real-no-limiter"}
    for target, row in low.items():
        assert row["rps"] > 0 and row["p50_ms"] > 0 and row["errors"] == 0, (target, row)
    assert result["machine"]["nproc"] and result["machine"]["packages"]["uvicorn"]
