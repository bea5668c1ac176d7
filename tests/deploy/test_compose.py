"""docker-compose.yml: valid by the compose specification (checked by the docker compose binary itself,
which validates against the specification's schema and needs no engine for `config`), and complete for
every service in the workspace: its migration job, the service, its demo seed, its database and role,
and settings that load from exactly what compose gives it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
import workspace
from deploytools import compose_binary, nats_server_binary
from sqlalchemy.engine import make_url

from platformkit.testing.databases import postgres_base_url
from platformkit.testing.plugin import require_postgres

COMPOSE_FILE = workspace.REPO / "docker-compose.yml"
PORT = "8000"


def _config(project: Path, env_file: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [compose_binary(), "--project-directory", str(project), "--file", str(project / "docker-compose.yml"),
         "--env-file", str(env_file), "--profile", "demo", "config", "--format", "json", *extra],
        capture_output=True, text=True, timeout=60, check=False,
        # Only what the env file says: the machine's own variables must not fill the file's gaps.
        env={"PATH": os.environ["PATH"], "HOME": str(project)},
    )


@pytest.fixture(scope="module")
def env_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .env that deploy/compose/new-env.sh makes: every secret compose requires, nothing else."""
    made = subprocess.run(["sh", str(workspace.REPO / "deploy/compose/new-env.sh")], capture_output=True,
                          text=True, check=True, timeout=30)
    path = tmp_path_factory.mktemp("compose") / ".env"
    path.write_text(made.stdout, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def config(env_file: Path) -> dict[str, Any]:
    result = _config(workspace.REPO, env_file)
    assert result.returncode == 0, result.stderr
    rendered: dict[str, Any] = json.loads(result.stdout)
    return rendered


def _environment(config: dict[str, Any], name: str) -> dict[str, str]:
    return {key: str(value) for key, value in (config["services"][name].get("environment") or {}).items()}


def test_the_compose_binary_refuses_what_the_specification_does_not_allow(
    tmp_path: Path, env_file: Path
) -> None:
    # The control for the check above: the same binary, the same file with one key the schema forbids.
    broken = COMPOSE_FILE.read_text(encoding="utf-8").replace("  gateway:\n", "  gateway:\n    colour: red\n", 1)
    (tmp_path / "docker-compose.yml").write_text(broken, encoding="utf-8")
    shutil.copytree(workspace.REPO / "deploy" / "compose", tmp_path / "deploy" / "compose")
    result = _config(tmp_path, env_file)
    assert result.returncode != 0
    assert "colour" in result.stderr


def test_every_secret_compose_requires_comes_from_new_env(env_file: Path) -> None:
    empty = env_file.parent / "empty.env"
    empty.write_text("", encoding="utf-8")
    missing = _config(workspace.REPO, empty)
    assert missing.returncode != 0 and "new-env.sh" in missing.stderr  # the :? message tells what to do
    names = [line.split("=", 1)[0] for line in env_file.read_text().splitlines()]
    assert "GATEWAY_CLIENT_SECRET" in names and "POSTGRES_PASSWORD" in names
    assert all(len(line.split("=", 1)[1]) >= 32 for line in env_file.read_text().splitlines())


@pytest.mark.parametrize("workload", workspace.workloads(), ids=workspace.names(workspace.workloads()))
def test_every_service_runs_hardened_from_its_own_image(config: dict[str, Any], workload: workspace.Workload) -> None:
    assert workload.name in config["services"], f"docker-compose.yml has no service {workload.name!r}"
    service = config["services"][workload.name]
    assert service["build"]["args"] == {"SERVICE": workload.name}
    assert service["image"].endswith(f"/{workload.name}:latest")
    assert service["read_only"] is True
    assert service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]
    assert not service["user"].startswith("0") and service["user"].split(":")[0].isdigit()
    assert "/tmp" in service["tmpfs"]
    published = service.get("ports") or []
    assert bool(published) == workload.is_gateway, "only the gateway is published"


@pytest.mark.parametrize("workload", workspace.with_database(), ids=workspace.names(workspace.with_database()))
def test_every_database_has_its_role_its_migration_job_before_the_service_and_its_seed(
    config: dict[str, Any], workload: workspace.Workload
) -> None:
    name, services = workload.name, config["services"]
    postgres = _environment(config, "postgres")
    assert name in postgres["DORF_DATABASES"].split(), f"postgres-init does not create {name}'s database"
    password = postgres[f"{workload.env_name}_DB_PASSWORD"]
    url = _environment(config, name)["DATABASE_URL"]
    assert url == f"postgresql://{name}:{password}@postgres:5432/{name}", "its own role and database"

    job = services.get(f"migrate-{name}")
    assert job is not None, f"docker-compose.yml has no migrate-{name} job"
    assert job["command"] == ["dorf", "migrate", "--only", name, "--var", "/tmp/var"]
    assert job["image"] == services[name]["image"] and job["read_only"] is True
    assert _environment(config, f"migrate-{name}")[f"{workload.env_name}_DATABASE_URL"] == url
    assert job["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert job["healthcheck"]["disable"] is True and job["restart"] == "no"
    assert services[name]["depends_on"][f"migrate-{name}"]["condition"] == "service_completed_successfully"

    if workload.spec.seed_demo is not None:
        seed = services.get(f"seed-{name}")
        assert seed is not None, f"docker-compose.yml has no seed-{name} job in the demo profile"
        assert seed["profiles"] == ["demo"]
        assert seed["command"] == ["dorf", "seed", "--demo", "--only", name, "--var", "/tmp/var"]
        assert _environment(config, f"seed-{name}")[f"{workload.env_name}_DATABASE_URL"] == url
        assert seed["depends_on"][f"migrate-{name}"]["condition"] == "service_completed_successfully"


def test_postgres_creates_no_database_for_a_service_that_is_not_there(config: dict[str, Any]) -> None:
    wanted = set(workspace.names(workspace.with_database()))
    assert set(_environment(config, "postgres")["DORF_DATABASES"].split()) == wanted


@pytest.mark.parametrize("workload", workspace.workloads(), ids=workspace.names(workspace.workloads()))
def test_settings_load_from_exactly_what_compose_gives(config: dict[str, Any], workload: workspace.Workload) -> None:
    environment = _environment(config, workload.name)
    missing = workspace.required_settings(workload) - set(environment)
    assert not missing, f"{workload.name} needs {sorted(missing)} in docker-compose.yml"
    unknown = workspace.unknown_names(workload, environment)
    assert not unknown, f"{workload.name} is given {sorted(unknown)}, which no setting of it reads"
    settings = workspace.load_with(workload, environment)
    assert settings.environment == "production"
    assert settings.nats_url == "nats://nats:4222"


def test_the_gateway_reaches_every_service_at_its_compose_address(config: dict[str, Any]) -> None:
    gateway = config["services"]["gateway"]
    environment = _environment(config, "gateway")
    for service in workspace.services():
        assert environment[f"UPSTREAM_{service.env_name}_URL"] == f"http://{service.name}:{PORT}"
        assert gateway["depends_on"][service.name]["condition"] == "service_healthy"
    upstreams = {key for key in environment if key.startswith("UPSTREAM_") and key.endswith("_URL")}
    assert len(upstreams) == len(workspace.services()), "an upstream for a service that is not there"


def test_nats_is_valid_for_the_real_server_and_fsyncs_every_message() -> None:
    conf = workspace.REPO / "deploy" / "compose" / "nats.conf"
    checked = subprocess.run([nats_server_binary(), "-c", str(conf), "-t"], capture_output=True, text=True,
                             timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "sync_interval: always" in conf.read_text()


@pytest.mark.postgres
def test_postgres_init_gives_each_service_a_role_that_owns_its_database_and_no_other() -> None:
    require_postgres()
    base = make_url(postgres_base_url())
    suffix = uuid.uuid4().hex[:8]
    names = [f"dorfinit_a{suffix}", f"dorfinit_b{suffix}"]
    environment = {
        "PATH": os.environ["PATH"], "POSTGRES_USER": base.username or "postgres",
        "PGHOST": base.host or "127.0.0.1", "PGPORT": str(base.port or 5432),
        "DORF_DATABASES": " ".join(names), **{f"{name.upper()}_DB_PASSWORD": f"pw-{name}" for name in names},
    }
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        subprocess.run(["sh", str(workspace.REPO / "deploy/compose/postgres-init.sh")], env=environment,
                       check=True, capture_output=True, timeout=60)
        first, second = (base.set(drivername="postgresql", username=name, password=f"pw-{name}", database=name)
                         for name in names)
        with psycopg.connect(first.render_as_string(hide_password=False)) as connection:
            connection.execute("CREATE TABLE owned (id int)")  # the role owns its database
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(first.set(database=names[1]).render_as_string(hide_password=False))
        assert second.database == names[1]
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                connection.execute(f'DROP ROLE IF EXISTS "{name}"')


def test_accounts_knows_every_service_s_client_and_every_holder_of_personal_data(config: dict[str, Any]) -> None:
    accounts = _environment(config, "accounts")
    clients = json.loads(accounts["SERVICE_CLIENT_SECRETS"])
    assert set(clients) == set(workspace.names(workspace.services()))
    for service in workspace.services():
        assert _environment(config, service.name)["SERVICE_CLIENT_SECRET"] == clients[service.name]
    holders = [name for name in workspace.personal_data_holders() if name != "accounts"]
    assert accounts["PERSONAL_DATA_SERVICES"].split(",") == holders
