"""nats-server as a supervised child: `python -m launcher.natsrunner --store var/nats --port 4223`.

`platformkit.natsserver.NatsServer` starts nats-server as *its* child, so the launcher cannot give
nats-server the parent-death signal directly. This small process can: it has the signal itself (as
every launcher child does), and on SIGTERM, whether from the launcher or from the kernel because the
launcher died, it stops nats-server. If nats-server dies, this exits too and the launcher restarts it."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from platformkit.natsserver import NatsServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher.natsrunner", description=__doc__)
    parser.add_argument("--store", type=Path, required=True, help="JetStream's store folder")
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args(argv)

    stop_requested = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop_requested.set())
    server = NatsServer(options.store, port=options.port)
    server.start()
    print(f"nats-server pid {server.process.pid if server.process else '?'} on {server.url}, "
          f"log {server.log_file}", flush=True)
    try:
        while not stop_requested.wait(0.5):
            if server.process is None or server.process.poll() is not None:
                print(f"nats-server exited; see {server.log_file}", flush=True)
                return 1
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
