"""`dorf status`: what var/run.json says runs, whether each process is alive, and its /readyz."""

from __future__ import annotations

from pathlib import Path

import httpx

from launcher import runfile
from launcher.ports import HOST
from platformkit.natsserver import port_is_open


def _health(url: str, port: int, http: httpx.Client) -> tuple[bool, str]:
    if url.startswith("nats://"):
        listening = port_is_open(port, HOST)
        return listening, "listening" if listening else "not listening"
    try:
        response = http.get(f"{url}/readyz")
    except httpx.HTTPError as error:
        return False, f"no answer ({type(error).__name__})"
    try:
        checks = response.json().get("checks", {})
        detail = ", ".join(f"{name} {value}" for name, value in checks.items())
    except ValueError:
        detail = response.text[:100]
    state = "ready" if response.status_code == 200 else f"NOT READY ({response.status_code})"
    return response.status_code == 200, f"{state}{f': {detail}' if detail else ''}"


def show_status(var: Path) -> int:
    """Print the state; 0 when everything runs and is ready."""
    state = runfile.read(var)
    if state is None:
        print(f"not running (no {runfile.path(var)})")
        return 1
    launcher_pid = int(state["launcher_pid"])
    all_well = runfile.pid_alive(launcher_pid)
    print(f"dorf up: pid {launcher_pid} {'alive' if all_well else 'GONE'}, since {state['started_at']}, "
          f"url {state['url']}")
    with httpx.Client(timeout=3.0) as http:
        for process in state["processes"]:
            alive = runfile.pid_alive(int(process["pid"]))
            healthy, health = _health(process["url"], int(process["port"]), http) if alive else (False, "-")
            all_well = all_well and alive and healthy
            print(f"  {process['name']:<14} pid {process['pid']:<8} {'alive' if alive else 'DEAD ':<6} "
                  f"{process['url']:<28} {health}")
    return 0 if all_well else 1
