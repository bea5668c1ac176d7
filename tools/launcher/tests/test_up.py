"""`dorf up` as a real process tree: NATS, migrations, the sample service, demo data, supervision, and
stopping without leaving any process behind (Ctrl-C, and SIGKILL of the launcher itself)."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import httpx
from dorfrun import RunningDorf, dorf, never_connected, wait_for
from launcher_demo_spec import DEMO_OWNER

from launcher.runfile import pid_alive, read
from platformkit.natsserver import free_port, port_is_open


def all_gone(pids: list[int]) -> bool:
    return not any(pid_alive(pid) for pid in pids)


def tables(database: Path) -> set[str]:
    with closing(sqlite3.connect(database)) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def demo_notes(database: Path) -> int:
    with closing(sqlite3.connect(database)) as connection:
        row = connection.execute("SELECT count(*) FROM note WHERE owner = ?", (DEMO_OWNER,)).fetchone()
        return int(row[0])


def answers_ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz").status_code == 200
    except httpx.HTTPError:
        return False


def test_up_serves_migrated_seeded_service_and_ctrl_c_stops_everything(
    start_dorf: Callable[..., RunningDorf], listening_socket: socket.socket
) -> None:
    taken = listening_socket.getsockname()[1]
    running = start_dorf("--demo", "--service-port", str(taken))
    state = running.state()
    sample = next(process for process in state["processes"] if process["name"] == "sample")

    # The port someone else listens on was reported and never used.
    assert f"port {taken} is already in use" in running.output
    assert sample["port"] != taken
    assert never_connected(listening_socket)

    # The one URL, printed once the demo data is in, answers, and is ready.
    assert state["url"] == sample["url"]
    wait_for(lambda: "the services answer at" in running.output, "the URL to be printed")
    assert f"{sample['url']}" in running.output
    assert httpx.get(f"{state['url']}/livez").status_code == 200
    assert httpx.get(f"{state['url']}/readyz").json()["checks"] == {"database": "ok"}

    # The migration made the database, with the service's tables and alembic's version.
    database = running.var / "sample.db"
    assert {"note", "alembic_version"} <= tables(database)

    # --demo ran the seed once everything was ready; seeding again changes nothing.
    assert "demo data: sample" in running.output
    assert demo_notes(database) == 1
    again = dorf("seed", "--demo", "--var", str(running.var), "--only", "sample")
    assert again.returncode == 0, again.stderr
    assert demo_notes(database) == 1

    status = dorf("status", "--var", str(running.var))
    assert status.returncode == 0, status.stdout + status.stderr
    assert "sample" in status.stdout and "ready" in status.stdout and "nats" in status.stdout

    pids = running.pids()
    assert len(pids) == 3  # the NATS runner, nats-server, the sample service
    running.signal(signal.SIGINT)
    assert running.wait() == 0, running.output
    assert all_gone(pids), running.output
    assert not port_is_open(sample["port"])
    assert not (running.var / "run.json").exists()
    assert dorf("status", "--var", str(running.var)).returncode == 1


def test_the_gateway_starts_last_on_its_port_knows_the_services_and_is_the_one_url(
    start_dorf: Callable[..., RunningDorf]
) -> None:
    port = free_port()
    running = start_dorf("--port", str(port), only="gateway,sample")
    state = running.state()
    urls = {process["name"]: process["url"] for process in state["processes"]}
    assert state["url"] == urls["gateway"] == f"http://127.0.0.1:{port}"
    wait_for(lambda: "runs at" in running.output, "the URL to be printed")
    assert f"Dorfmarktplatz runs at http://127.0.0.1:{port}" in running.output
    assert running.output.index("starting sample") < running.output.index("starting gateway")
    upstreams = httpx.get(f"{state['url']}/upstreams").json()
    assert upstreams["UPSTREAM_SAMPLE_URL"] == urls["sample"]
    running.signal(signal.SIGINT)
    assert running.wait() == 0


def test_sigterm_stops_everything(start_dorf: Callable[..., RunningDorf]) -> None:
    running = start_dorf()
    pids = running.pids()
    running.signal(signal.SIGTERM)
    assert running.wait() == 0, running.output
    assert all_gone(pids), running.output


def test_sigkill_of_the_launcher_leaves_no_child_behind(start_dorf: Callable[..., RunningDorf]) -> None:
    running = start_dorf()
    pids = running.pids()
    running.signal(signal.SIGKILL)
    running.wait()
    # The kernel sends every child SIGTERM (PR_SET_PDEATHSIG); the NATS runner then stops nats-server.
    wait_for(lambda: all_gone(pids), "every child of the killed launcher to end")


def test_a_crashed_service_is_restarted(start_dorf: Callable[..., RunningDorf]) -> None:
    running = start_dorf()
    state = running.state()
    first = next(process for process in state["processes"] if process["name"] == "sample")
    running_pids = running.pids()
    os.kill(first["pid"], signal.SIGKILL)

    def restarted() -> bool:
        current = read(running.var) or {"processes": []}
        pid = next(process["pid"] for process in current["processes"] if process["name"] == "sample")
        return pid != first["pid"]

    wait_for(restarted, "the sample service to be restarted")
    wait_for(lambda: answers_ready(first["url"]), "the restarted service to be ready")
    assert "sample (pid" in running.output and "restarting in" in running.output
    pids = [*running_pids, *running.pids()]
    running.signal(signal.SIGINT)
    assert running.wait() == 0
    assert all_gone(pids)
