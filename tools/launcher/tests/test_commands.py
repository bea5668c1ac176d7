"""`dorf migrate`, `dorf seed`, `dorf status` and the failures `dorf up` must make clearly."""

from __future__ import annotations

import socket
from pathlib import Path

from dorfrun import dorf, dorf_env, never_connected


def test_migrate_applies_then_reports_nothing_to_do(tmp_path: Path) -> None:
    first = dorf("migrate", "--var", str(tmp_path), "--only", "sample")
    assert first.returncode == 0, first.stderr
    assert "migrated sample: empty -> " in first.stdout
    assert (tmp_path / "sample.db").exists()

    second = dorf("migrate", "--var", str(tmp_path), "--only", "sample")
    assert second.returncode == 0, second.stderr
    assert "migrated sample: already at " in second.stdout


def test_database_url_from_the_environment_wins(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "notes.db"
    elsewhere.parent.mkdir()
    env = dorf_env(SAMPLE_DATABASE_URL=f"sqlite:///{elsewhere}")
    migrated = dorf("migrate", "--var", str(tmp_path / "var"), "--only", "sample", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert elsewhere.exists()
    assert not (tmp_path / "var" / "sample.db").exists()
    seeded = dorf("seed", "--demo", "--var", str(tmp_path / "var"), "--only", "sample", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "demo data: sample" in seeded.stdout


def test_seed_without_demo_says_what_to_say(tmp_path: Path) -> None:
    refused = dorf("seed", "--var", str(tmp_path), "--only", "sample")
    assert refused.returncode != 0
    assert "--demo" in refused.stderr


def test_demo_data_is_refused_in_production(tmp_path: Path) -> None:
    assert dorf("migrate", "--var", str(tmp_path), "--only", "sample").returncode == 0
    refused = dorf("seed", "--demo", "--var", str(tmp_path), "--only", "sample",
                   env=dorf_env(ENVIRONMENT="production"))
    assert refused.returncode != 0
    assert "never loaded where ENVIRONMENT=production" in refused.stdout + refused.stderr


def test_status_when_nothing_runs(tmp_path: Path) -> None:
    status = dorf("status", "--var", str(tmp_path))
    assert status.returncode == 1
    assert "not running" in status.stdout


def test_an_explicit_nats_port_that_is_taken_fails_clearly(
    tmp_path: Path, listening_socket: socket.socket
) -> None:
    taken = str(listening_socket.getsockname()[1])
    up = dorf("up", "--var", str(tmp_path), "--only", "sample", "--nats-port", taken)
    assert up.returncode != 0
    assert f"port {taken} for NATS is already in use" in up.stderr
    assert never_connected(listening_socket)
    assert not (tmp_path / "run.json").exists()


def test_an_unknown_service_name_is_refused(tmp_path: Path) -> None:
    up = dorf("up", "--var", str(tmp_path), "--only", "nosuchservice")
    assert up.returncode != 0
    assert "no service named nosuchservice" in up.stderr
    assert "sample" in up.stderr  # the known ones are listed
