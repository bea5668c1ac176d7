"""Choosing ports without ever talking to a stranger: a port something else listens on (e.g. the
machine's own NATS on 4222) is never used. A port the user asked for explicitly fails clearly;
a default one is replaced by a free one, and we say so."""

from __future__ import annotations

import socket
from collections.abc import Iterable

from platformkit.natsserver import free_port

HOST = "127.0.0.1"


class PortTaken(SystemExit):
    pass


def port_is_free(port: int) -> bool:
    """Whether we could bind it. A listener on it (on 127.0.0.1, 0.0.0.0 or dual-stack ::) makes the bind
    fail, so this finds one without ever connecting to it: a stranger's server is not even greeted."""
    with socket.socket() as probe:
        # The same option uvicorn binds with, so a port in TIME_WAIT counts as free, as it is for uvicorn.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


class PortPlanner:
    """Hands out ports for one `dorf up`, never the same one twice."""

    def __init__(self) -> None:
        self.claimed: set[int] = set()

    def _usable(self, port: int) -> bool:
        return port not in self.claimed and port_is_free(port)

    def claim(self, wanted: int, *, what: str, explicit: bool) -> int:
        """`wanted` if it is free; else fail (explicit) or say so and take any free port."""
        if self._usable(wanted):
            self.claimed.add(wanted)
            return wanted
        if explicit:
            raise PortTaken(f"dorf: port {wanted} for {what} is already in use by another process; "
                            f"choose another one")
        port = free_port(HOST)
        while not self._usable(port):
            port = free_port(HOST)
        print(f"dorf: port {wanted} for {what} is already in use by another process "
              f"(not ours, so we do not talk to it); using {port} instead")
        self.claimed.add(port)
        return port

    def claim_consecutive(self, base: int, names: Iterable[str]) -> dict[str, int]:
        """One port per name, counting up from `base` and skipping (with a word) any that is taken."""
        ports: dict[str, int] = {}
        port = base
        for name in names:
            while not self._usable(port):
                if port >= 65535:
                    raise PortTaken(f"dorf: no free port from {base} up for {name}")
                if port not in self.claimed:
                    print(f"dorf: port {port} is already in use by another process; skipping it for {name}")
                port += 1
            self.claimed.add(port)
            ports[name] = port
            port += 1
        return ports
