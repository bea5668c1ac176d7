"""The container image without a container engine: the Dockerfile's build stage runs
deploy/image/install.sh (the README's bootstrap — uv pinned by hash, `uv sync --frozen` — narrowed to one
service); here that script runs on the build context as .dockerignore leaves it, and the result is run
with the image's own CMD, HEALTHCHECK and migration command."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import workspace

from platformkit.natsserver import NatsServer, free_port
from platformkit.testing.databases import sqlite_url

DOCKERFILE = workspace.REPO / "Dockerfile"
INSTALL = "deploy/image/install.sh"
DEV_ONLY = ("pytest", "ruff", "mypy", "uv", "pip", "kubernetes_validate", "playwright")


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def _stages() -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for instruction, arguments in _instructions():
        if instruction == "FROM":
            current = stages.setdefault(arguments.split(" AS ")[-1].strip(), [("FROM", arguments)])
        elif stages:
            current.append((instruction, arguments))
    return stages


def _argument(stage: list[tuple[str, str]], instruction: str) -> str:
    return next(arguments for name, arguments in stage if name == instruction)


def _ignored(relative: str, patterns: list[str]) -> bool:
    parts = relative.split("/")
    for pattern in patterns:
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatch("/".join(parts[: index + 1]), pattern) for index in range(len(parts))):
            return True
    return False


def build_context(destination: Path) -> Path:
    """What `COPY . .` sees: the repository less what .dockerignore leaves out."""
    patterns = [line.strip() for line in (workspace.REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for folder, subfolders, files in os.walk(workspace.REPO):
        relative_folder = Path(folder).relative_to(workspace.REPO)
        subfolders[:] = [sub for sub in subfolders
                         if not _ignored((relative_folder / sub).as_posix(), patterns)]
        for file in files:
            relative = (relative_folder / file).as_posix()
            if not _ignored(relative, patterns):
                (destination / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(workspace.REPO / relative, destination / relative)
    return destination


def test_the_build_stage_installs_through_the_script_and_the_runtime_stage_gets_only_the_virtualenv() -> None:
    stages = _stages()
    assert set(stages) == {"build", "service"}
    assert stages["build"][0][1].split()[0] == stages["service"][0][1].split()[0] == "${PYTHON_IMAGE}"
    build_runs = [arguments for name, arguments in stages["build"] if name == "RUN"]
    assert len(build_runs) == 1 and f'sh {INSTALL} /opt/dorf "${{SERVICE}}"' in build_runs[0]

    runtime = stages["service"]
    copies = [arguments for name, arguments in runtime if name == "COPY"]
    assert copies == ["--from=build /opt/dorf/venv /opt/dorf/venv"]  # not uv, not the sources
    runs = " ".join(arguments for name, arguments in runtime if name == "RUN")
    assert "pip uninstall" in runs and not re.search(r"apt-get|apk add|pip install|uv ", runs)
    user = _argument(runtime, "USER")
    assert re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*", user), "a numeric non-root user (runAsNonRoot checks it)"
    assert "SERVICE_NAME=${SERVICE}" in _argument(runtime, "ENV")
    assert "/readyz" in _argument(runtime, "HEALTHCHECK")
    assert "launcher.serve" in _argument(runtime, "CMD")


def test_dockerignore_keeps_the_machine_state_out_but_every_workspace_package_in(tmp_path: Path) -> None:
    context = build_context(tmp_path)
    assert not (context / ".venv").exists() and not (context / "var").exists() and not (context / ".git").exists()
    assert (context / "uv.lock").is_file() and (context / INSTALL).is_file()
    assert (context / "tools" / "uv-requirements.txt").is_file()
    for workload in workspace.workloads():
        folder = context / workload.folder.relative_to(workspace.REPO)
        assert (folder / "pyproject.toml").is_file() and (folder / "src").is_dir()
        assert not (folder / "tests").exists()


@pytest.mark.parametrize("workload", workspace.workloads(), ids=workspace.names(workspace.workloads()))
def test_each_image_installs_the_workspace_package_of_its_name(workload: workspace.Workload) -> None:
    # install.sh is given the service's name as the package to sync: they must agree.
    assert workload.package == workload.name
    assert workload.target.startswith(f"{workload.name}.")


def _install(context: Path, prefix: Path, service: str) -> Path:
    subprocess.run(["sh", str(context / INSTALL), str(prefix), service], check=True, timeout=300,
                   env={**os.environ, "PYTHON": sys.executable}, capture_output=True)
    return prefix / "venv"


def _installed(venv: Path) -> set[str]:
    site = next((venv / "lib").glob("python3*/site-packages"))
    return {path.name.split("-")[0].lower() for path in site.iterdir() if path.name.endswith(".dist-info")}


def _image_command(instruction: str, port: int) -> list[str]:
    """A JSON-form CMD/HEALTHCHECK of the image, on loopback and a free port instead of 0.0.0.0:8000."""
    command: list[str] = json.loads(instruction[instruction.index("["):])
    return [part.replace("0.0.0.0", "127.0.0.1").replace("8000", str(port)) for part in command]


@pytest.mark.slow
def test_the_install_script_gives_a_runtime_that_migrates_serves_and_is_healthy(tmp_path: Path) -> None:
    service = workspace.with_database()[0]
    context = build_context(tmp_path / "context")
    venv = _install(context, tmp_path / "opt", service.name)
    installed = _installed(venv)
    assert {service.package, "launcher", "platformkit"} <= installed
    assert not installed & set(DEV_ONLY), f"dev tools in the image: {installed & set(DEV_ONLY)}"
    assert "gateway" not in installed  # only what this service runs
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert list((site / service.package).rglob("__pycache__/*.pyc")), "bytecode compiled at build time"

    runtime = _stages()["service"]
    path = f"{venv / 'bin'}:{os.environ['PATH']}"
    nats = NatsServer(tmp_path / "nats")
    nats.start()
    environment = {
        "PATH": path, "SERVICE_NAME": service.name, "PYTHONDONTWRITEBYTECODE": "1", "ENVIRONMENT": "test",
        "NATS_URL": nats.url, "OIDC_ISSUER": "http://127.0.0.1:9/issuer", "OIDC_AUDIENCE": service.name,
        "DATABASE_URL": sqlite_url(tmp_path, service.name),
        f"{service.env_name}_DATABASE_URL": sqlite_url(tmp_path, service.name),
    }
    server = None
    try:
        migrated = subprocess.run(["dorf", "migrate", "--only", service.name, "--var", str(tmp_path / "var")],
                                  env=environment, capture_output=True, text=True, timeout=120, check=False)
        assert migrated.returncode == 0, migrated.stderr
        assert f"{service.name}: empty ->" in migrated.stdout
        if service.spec.seed_demo is not None:  # the demo profile's job, in the same image
            seeded = subprocess.run(["dorf", "seed", "--demo", "--only", service.name, "--var", str(tmp_path / "var")],
                                    env=environment, capture_output=True, text=True, timeout=120, check=False)
            assert seeded.returncode == 0, seeded.stderr
            assert f"demo data: {service.name}" in seeded.stdout

        port = free_port()
        server = subprocess.Popen(_image_command(_argument(runtime, "CMD"), port), env=environment,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
        healthcheck = _image_command(_argument(runtime, "HEALTHCHECK"), port)
        deadline = time.monotonic() + 60
        while True:
            probe = subprocess.run(healthcheck, env=environment, capture_output=True, timeout=10, check=False)
            if probe.returncode == 0:
                break
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            assert time.monotonic() < deadline, probe.stderr.decode()
            time.sleep(0.5)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        nats.stop()


@pytest.mark.slow
def test_the_gateway_image_carries_the_web_app_it_mounts(tmp_path: Path) -> None:
    venv = _install(build_context(tmp_path / "context"), tmp_path / "opt", "gateway")
    installed = _installed(venv)
    assert {"gateway", "web", "launcher"} <= installed and not installed & set(DEV_ONLY)
    assert not installed & set(workspace.names(workspace.services())), "no service's code in the gateway"
    probe = "from gateway.wiring import web_app; print(web_app()[1])"
    static = subprocess.run([str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True,
                            timeout=120, check=True, cwd=tmp_path).stdout.strip()
    assert static.startswith(str(venv)), "the web app's static files come from the image's own install"


def test_the_install_script_takes_the_bootstrap_s_own_steps() -> None:
    # ./dorf (the README's bootstrap) and the image: uv from the same hash-pinned file, then a frozen sync
    # from uv.lock without downloading a Python.
    bootstrap = (workspace.REPO / "dorf").read_text(encoding="utf-8")
    script = (workspace.REPO / INSTALL).read_text(encoding="utf-8")
    pip = re.compile(r'/bin/pip" install (--quiet --require-hashes --no-deps -r "\$root/tools/uv-requirements.txt")')
    installs = [pip.search(text) for text in (bootstrap, script)]
    assert installs[0] is not None and installs[1] is not None and installs[0][1] == installs[1][1]
    for step in ("UV_PYTHON_DOWNLOADS=never", " sync", "--project \"$root\" --frozen"):
        assert step in bootstrap and step in script, step
