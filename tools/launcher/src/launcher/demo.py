"""Demo data: each service's `seed_demo`, run in a process of its own (launcher.seeding) with the
environment the service itself gets. Seeding twice must change nothing; that is each service's job."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence

from launcher.discovery import Service

SEED_TIMEOUT_SECONDS = 600.0


class SeedFailed(Exception):
    pass


def seed_demo(services: Sequence[Service], environments: Mapping[str, dict[str, str]]) -> list[str]:
    """Seed every service that has demo data, in start order; returns their names."""
    seeded = []
    for service in services:
        if service.spec.seed_demo is None or not service.has_database:
            continue
        done = subprocess.run(
            [sys.executable, "-m", "launcher.seeding", service.target],
            env=environments[service.name], capture_output=True, text=True, timeout=SEED_TIMEOUT_SECONDS,
        )
        if done.returncode != 0:
            output = "\n".join("    " + line for line in (done.stdout + done.stderr).splitlines()[-30:])
            raise SeedFailed(f"the demo data of {service.name} failed "
                             f"(exit code {done.returncode}):\n{output}")
        seeded.append(service.name)
    return seeded
