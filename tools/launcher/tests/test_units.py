"""The launcher's parts on their own: ports, discovery, the `dorf test` steps, the command line."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Sequence
from pathlib import Path

import pytest

from launcher import checks
from launcher.cli import _parser
from launcher.discovery import Service, discover, load_spec
from launcher.environment import child_environment
from launcher.ports import PortPlanner, PortTaken, port_is_free
from platformkit.outbound.webpush import vapid_public_key


def test_a_listened_port_is_not_free_and_is_replaced_unless_explicit(
    listening_socket: socket.socket, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = listening_socket.getsockname()[1]
    assert not port_is_free(taken)
    planner = PortPlanner()
    chosen = planner.claim(taken, what="NATS", explicit=False)
    assert chosen != taken and port_is_free(chosen)
    assert f"port {taken} for NATS is already in use" in capsys.readouterr().out
    with pytest.raises(PortTaken, match=f"port {taken}"):
        PortPlanner().claim(taken, what="NATS", explicit=True)


def test_consecutive_ports_skip_taken_and_already_claimed_ones(listening_socket: socket.socket) -> None:
    taken = listening_socket.getsockname()[1]
    planner = PortPlanner()
    ports = planner.claim_consecutive(taken, ["a", "b"])
    assert taken not in ports.values()
    assert len(set(ports.values())) == 2
    again = planner.claim_consecutive(taken, ["c"])
    assert again["c"] not in ports.values()


def test_dorf_services_adds_specs_and_only_selects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DORF_SERVICES", " launcher_demo_spec:service , ")
    services = discover(["sample"])
    assert [service.name for service in services] == ["sample"]
    assert services[0].target == "launcher_demo_spec:service"
    assert services[0].spec.seed_demo is not None
    with pytest.raises(SystemExit, match="no service named other"):
        discover(["other"])


def test_a_target_that_is_not_a_spec_is_refused() -> None:
    with pytest.raises(SystemExit, match="not a ServiceSpec"):
        load_spec("launcher_demo_spec:DEMO_OWNER")
    with pytest.raises(SystemExit, match="module:attribute"):
        load_spec("launcher_demo_spec")


def test_child_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SAMPLE_DATABASE_URL", raising=False)
    sample = load_spec("launcher_demo_spec:service")
    env = child_environment(
        Service("sample", "launcher_demo_spec:service", sample), var=tmp_path, nats_url="nats://127.0.0.1:5",
        ports={"accounts": 8001, "sample": 8002, "gateway": 8000}, issuer="http://127.0.0.1:8001",
    )
    assert env["SERVICE_NAME"] == "sample"
    assert env["DATABASE_URL"] == f"sqlite:///{tmp_path}/sample.db"
    assert env["NATS_URL"] == "nats://127.0.0.1:5"
    assert env["OIDC_ISSUER"] == "http://127.0.0.1:8001"
    assert env["OIDC_AUDIENCE"] == "sample"
    assert env["ENVIRONMENT"] == "development"
    assert env["UPSTREAM_ACCOUNTS_URL"] == "http://127.0.0.1:8001"
    assert "UPSTREAM_SAMPLE_URL" not in env


def test_each_service_gets_a_client_secret_that_accounts_knows(tmp_path: Path) -> None:
    sample = load_spec("launcher_demo_spec:service")
    ports = {"accounts": 8001, "sample": 8002, "gateway": 8000}

    def env_of(name: str) -> dict[str, str]:
        return child_environment(
            Service(name, "launcher_demo_spec:service", sample), var=tmp_path, nats_url="nats://127.0.0.1:5",
            ports=ports, issuer="http://127.0.0.1:8000/api/accounts", personal_data_services=["accounts", "sample"],
        )

    accounts, own, gateway = env_of("accounts"), env_of("sample"), env_of("gateway")
    known = json.loads(accounts["SERVICE_CLIENT_SECRETS"])
    assert set(known) == {"accounts", "sample"}  # the gateway has its own client
    assert known["sample"] == own["SERVICE_CLIENT_SECRET"] and len(own["SERVICE_CLIENT_SECRET"]) >= 40
    assert known["accounts"] == accounts["SERVICE_CLIENT_SECRET"] != own["SERVICE_CLIENT_SECRET"]
    assert own["OIDC_TOKEN_URL"] == "http://127.0.0.1:8001/token"  # internal, not through the gateway
    assert accounts["PERSONAL_DATA_SERVICES"] == "sample"
    assert "SERVICE_CLIENT_SECRET" not in gateway and "PERSONAL_DATA_SERVICES" not in own
    assert env_of("sample")["SERVICE_CLIENT_SECRET"] == own["SERVICE_CLIENT_SECRET"]  # made once per var/
    assert oct((tmp_path / "service-clients" / "sample").stat().st_mode & 0o777) == "0o600"


def test_services_sign_web_push_with_the_key_whose_public_half_the_web_hands_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WEB_PUSH_PRIVATE_KEY", raising=False)
    sample = load_spec("launcher_demo_spec:service")
    ports = {"accounts": 8001, "sample": 8002, "gateway": 8000}

    def env_of(name: str) -> dict[str, str]:
        return child_environment(
            Service(name, "launcher_demo_spec:service", sample), var=tmp_path, nats_url="nats://127.0.0.1:5",
            ports=ports, issuer="http://127.0.0.1:8000/api/accounts",
        )

    accounts, sample, gateway = env_of("accounts"), env_of("sample"), env_of("gateway")
    assert vapid_public_key(accounts["WEB_PUSH_PRIVATE_KEY"]) == gateway["WEB_PUSH_PUBLIC_KEY"]
    assert sample["WEB_PUSH_PRIVATE_KEY"] == accounts["WEB_PUSH_PRIVATE_KEY"]  # one key for the platform
    assert len(base64.urlsafe_b64decode(gateway["WEB_PUSH_PUBLIC_KEY"] + "=")) == 65  # an uncompressed P-256 point
    assert env_of("accounts")["WEB_PUSH_PRIVATE_KEY"] == accounts["WEB_PUSH_PRIVATE_KEY"]  # made once per var/
    assert oct((tmp_path / "web-push-private-key").stat().st_mode & 0o777) == "0o600"
    assert "WEB_PUSH_PRIVATE_KEY" not in gateway  # the web only needs the public half


def test_every_argument_after_test_goes_to_pytest() -> None:
    options = _parser().parse_args(["test", "-k", "launcher", "-x", "tools/launcher/tests"])
    assert options.pytest_args == ["-k", "launcher", "-x", "tools/launcher/tests"]


def _fake_steps(monkeypatch: pytest.MonkeyPatch, codes: dict[str, int]) -> list[Sequence[str]]:
    commands: list[Sequence[str]] = []

    def run(name: str, command: Sequence[str], root: Path, env: dict[str, str] | None = None) -> int:
        commands.append(command)
        return codes.get(name, 0)

    monkeypatch.setattr(checks, "_run", run)
    return commands


def test_dorf_test_runs_ruff_mypy_pytest_and_passes_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[3]
    commands = _fake_steps(monkeypatch, {})
    assert checks.run_checks(root, ["-k", "x"]) == 0
    ruff, mypy, pytest_command = commands
    assert list(ruff[-2:]) == ["check", "."]
    assert "tools/launcher/src" in mypy and "libs/platformkit/src" in mypy
    assert list(pytest_command[-2:]) == ["-k", "x"] and "-n" in pytest_command


def test_dorf_test_fails_when_any_step_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[3]
    _fake_steps(monkeypatch, {"ruff": 1})
    assert checks.run_checks(root, []) == 1


def test_no_tests_collected_fails_only_when_there_are_no_tests_at_all(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = Path(__file__).resolve().parents[3]
    _fake_steps(monkeypatch, {"pytest": checks.PYTEST_NO_TESTS_COLLECTED})
    assert checks.run_checks(root, ["-k", "nothing matches this"]) == 0
    assert checks.run_checks(tmp_path, []) == 1
