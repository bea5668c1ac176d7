"""Child processes that never outlive the launcher, and their supervision.

Every child is started
* in its own process group, so that Ctrl-C in the terminal reaches only the launcher, which then stops
  the children in order (and a group signal also reaches what a child started, e.g. nats-server);
* with the Linux parent-death signal (prctl PR_SET_PDEATHSIG = SIGTERM), so that even when the launcher
  is killed with SIGKILL, the kernel sends each child SIGTERM and it shuts down. Caveat of the
  mechanism: the signal follows the *thread* that forked the child, so children are only ever started
  from the launcher's main thread. On other systems there is no such signal; there only a launcher
  that is allowed to clean up (Ctrl-C, SIGTERM) stops its children.

A child that dies unexpectedly is restarted with exponential backoff (1 s, 2 s, ... 30 s); the backoff
starts over once the child has stayed up for a minute."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PR_SET_PDEATHSIG = 1
STOP_GRACE_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0


def _die_with_parent() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before fork: the child only makes the call
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        # The launcher may have died between fork and prctl; then nobody would send the signal.
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    port: int
    url: str  # http://... for a service, nats://... for the broker
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0  # unexpected exits in a row, for the backoff
    restart_at: float | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            log.write(f"--- dorf: starting {self.name} at {stamp}: {' '.join(self.command)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,
                preexec_fn=_die_with_parent(),  # see the module docstring: main thread only
            )
        self.started_at = time.monotonic()
        self.restart_at = None

    def exit_code(self) -> int | None:
        """None while it runs (or before it was started)."""
        return self.process.poll() if self.process is not None else None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log yet)"
        return "\n".join("    " + line for line in text.splitlines()[-lines:])

    def supervise(self, now: float) -> bool:
        """Notice an unexpected exit and restart after the backoff. True when the child was restarted."""
        if self.restart_at is None:
            code = self.exit_code()
            if code is None:
                return False
            # What the child had started may outlive it (nats-server under a killed runner) and hold
            # its port; its group goes too, so that the restart finds the port free.
            _kill_leftovers(self.pid)
            if now - self.started_at > STABLE_AFTER_SECONDS:
                self.failures = 0
            delay = min(MAX_BACKOFF_SECONDS, 2.0**self.failures)
            self.failures += 1
            self.restart_at = now + delay
            print(f"dorf: {self.name} (pid {self.pid}) exited with code {code}; restarting in {delay:.0f} s "
                  f"(log: {self.log_path})\n{self.log_tail(10)}", flush=True)
            return False
        if now < self.restart_at:
            return False
        self.start()
        print(f"dorf: {self.name} restarted (pid {self.pid})", flush=True)
        return True


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # The whole group, so that what the child started itself (nats-server) gets it too. Only while the
    # leader is unreaped: after that its pid, and so the group id, could belong to someone else.
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def _kill_leftovers(group: int | None) -> None:
    """SIGKILL what is left of a dead child's process group. Safe although the leader was reaped: Linux
    does not hand out a pid that is still the id of a group with members, so while anything is left,
    the id is still that group's; with nothing left, the call finds nothing."""
    if group is None:
        return
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the usual case: nothing was left


def stop(children: Iterable[Child], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM to each child's group, wait up to `grace` seconds, then SIGKILL the groups still there."""
    running = [child.process for child in children if child.process is not None]
    for process in running:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"dorf: pid {process.pid} did not stop within {grace:.0f} s; killing it", flush=True)
            _signal_group(process, signal.SIGKILL)
            process.wait()
